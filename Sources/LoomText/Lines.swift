/// Splits text into lines on LF bytes (a CR before the LF is dropped), working on UTF-8
/// so that CR LF — one `Character` in Swift — is still a line end.
enum Lines {
    /// The lines of `text`; a final line end does not start an extra empty line.
    static func split(_ text: String) -> [String] {
        var lines: [String] = []
        forEach(text) { _, bytes in lines.append(String(decoding: bytes, as: UTF8.self)) }
        return lines
    }

    /// Calls `body(lineNumber, bytes)` for every line (1-based numbers).
    static func forEach(_ text: String, _ body: (Int, UnsafeBufferPointer<UInt8>) throws -> Void) rethrows {
        var text = text
        try text.withUTF8 { bytes in
            var start = 0, number = 1
            let n = bytes.count
            while start < n {
                var end = start
                while end < n && bytes[end] != 0x0A { end += 1 }
                var stop = end
                if stop > start && bytes[stop - 1] == 0x0D { stop -= 1 }
                try body(number, UnsafeBufferPointer(rebasing: bytes[start..<stop]))
                number += 1
                start = end + 1
            }
        }
    }
}
