#if canImport(Glibc)
import Glibc
#endif

/// glibc gives a thread that meets contention an arena of its own (up to 8 per core) and each arena keeps
/// what was freed in it. Serve's request threads are few and short-lived in their allocations: under wrk's
/// 8 connections its peak RSS was 77 MiB with glibc's default and 68 MiB with 2 arenas, at the same req/s.
enum MallocArenas {
    /// `M_ARENA_MAX` of glibc's <malloc.h>, which the Glibc module does not import.
    private static let arenaMaxParameter: Int32 = -8

    /// Caps the arenas for the rest of the process (glibc only; elsewhere, or without `mallopt`, nothing).
    static func limit(to count: Int32) {
        #if canImport(Glibc)
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
        _ = unsafeBitCast(symbol, to: Mallopt.self)(arenaMaxParameter, count)
        #endif
    }
}
