import FuzzTargets

// libFuzzer calls this once per input; a trap here is a finding (see Docs/fuzzing.md).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    AlertmanagerPayloadTarget.run(FuzzDriver.data(bytes, count))
    return 0
}

@main
enum FuzzMain {
    static func main() {
        FuzzDriver.run { bytes, count in fuzzTestOneInput(bytes, count) }
    }
}
