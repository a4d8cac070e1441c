import Foundation
import NIOCore
import PostgresNIO

/// A time as `timestamptz`, rounded to the microsecond both ways.
///
/// postgres-nio's own `Date` coding truncates on the way in (12:00:00.123 can be stored as .122999) and
/// adds to a reference date on the way out, so a time written and read back could show a millisecond
/// earlier than SQLite's copy of the same time. Rounded here, a millisecond time comes back as the very
/// same `Date`.
struct StoredTime: PostgresNonThrowingEncodable, PostgresDecodable, Sendable {
    var date: Date

    init(_ date: Date) { self.date = date }

    /// Microseconds between 1970 and PostgreSQL's epoch, 2000-01-01.
    static let epochOffset: Int64 = 946_684_800_000_000

    static var psqlType: PostgresDataType { .timestamptz }
    static var psqlFormat: PostgresFormat { .binary }

    func encode<JSONEncoder: PostgresJSONEncoder>(into byteBuffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        let micros = (date.timeIntervalSince1970 * 1_000_000).rounded()
        // Beyond ±292,000 years (or NaN) is no time a cluster reports: held at the ends instead of trapping.
        let since1970 = micros.isNaN ? 0 : micros >= 9.2e18 ? Int64.max / 2 : micros <= -9.2e18 ? Int64.min / 2 : Int64(micros)
        byteBuffer.writeInteger(since1970 - Self.epochOffset)
    }

    init<JSONDecoder: PostgresJSONDecoder>(
        from buffer: inout ByteBuffer, type: PostgresDataType, format: PostgresFormat, context: PostgresDecodingContext<JSONDecoder>
    ) throws {
        guard type == .timestamptz || type == .timestamp, format == .binary, buffer.readableBytes == 8,
            let micros = buffer.readInteger(as: Int64.self)
        else { throw PostgresDecodingError.Code.typeMismatch }
        let (since1970, overflow) = micros.addingReportingOverflow(Self.epochOffset)
        date = Date(timeIntervalSince1970: overflow ? Double(micros) / 1_000_000 + 946_684_800 : Double(since1970) / 1_000_000)
    }
}

extension PostgresQuery.StringInterpolation {
    /// Times are bound as `StoredTime` (more specific than postgres-nio's generic overloads, so it wins).
    mutating func appendInterpolation(_ date: Date) {
        appendInterpolation(StoredTime(date))
    }

    mutating func appendInterpolation(_ date: Date?) {
        appendInterpolation(date.map(StoredTime.init))
    }
}

extension PostgresRandomAccessRow {
    func get(_ column: String, as type: Date.Type = Date.self) throws -> Date {
        try self[column].decode(StoredTime.self).date
    }

    func get(_ column: String, as type: Date?.Type = Date?.self) throws -> Date? {
        try self[column].decode(StoredTime?.self)?.date
    }
}
