import CICU

/// Swift owner of a C `LoomTokenTable`: token strings ↔ ids with counts, used to count
/// and look up tokens in C right after tokenizing, without a Swift string per token.
///
/// Writing is single-threaded (one table per worker); after construction a table used
/// only for lookups (as in `Vocabulary`) may be shared between threads.
final class TokenTable: @unchecked Sendable {
    let handle: OpaquePointer

    init() {
        guard let handle = loom_table_create() else { preconditionFailure("out of memory creating a token table") }
        self.handle = handle
    }

    /// A lookup table whose ids are the indices of `tokens`.
    convenience init(tokens: [String]) {
        self.init()
        for var token in tokens {
            token.withUTF8 { bytes in _ = loom_table_intern(handle, bytes.baseAddress, Int32(bytes.count)) }
        }
    }

    deinit { loom_table_free(handle) }

    var size: Int { Int(loom_table_size(handle)) }

    /// Every token with its count.
    func counts() -> [String: Int] {
        var result: [String: Int] = [:]
        result.reserveCapacity(size)
        for id in 0..<Int32(size) {
            var length: Int32 = 0
            let bytes = loom_table_token(handle, id, &length)
            let token = String(decoding: UnsafeBufferPointer(start: bytes, count: Int(length)), as: UTF8.self)
            result[token, default: 0] += Int(loom_table_count(handle, id))
        }
        return result
    }
}
