import Foundation

/// Reads text line by line from a file descriptor (a file, a pipe, stdin), in bounded memory, handing
/// over each batch of complete lines as soon as a read returns them, so a caller can answer a
/// line-by-line producer at once and a 200 MB file never sits in memory whole.
///
/// Lines end at LF; a CR before the LF is dropped (CR LF files), as is a UTF-8 byte-order mark at the
/// start. Each line is decoded strictly (invalid UTF-8 is an error naming the line and the byte offset in
/// the stream) or, with `lossy`, with U+FFFD replacements that are counted.
///
/// ```swift
/// var stream = LineStream(fileDescriptor: STDIN_FILENO, path: "stdin")
/// while let lines = try stream.next() { for line in lines { print(line.number, line.text) } }
/// ```
public struct LineStream {
    /// One line: its 1-based number and its text without the line end.
    public struct Line: Sendable, Equatable {
        public var number: Int
        public var text: String
    }

    public let path: String
    public let lossy: Bool
    /// U+FFFD replacements made so far (lossy mode).
    public private(set) var replacements = 0

    private let descriptor: Int32
    private var pending: [UInt8] = []
    private var offset = 0  // stream offset of pending[0]
    private var lineNumber = 0
    private var finished = false
    private var started = false
    private let chunkSize: Int
    /// Longest line accepted (64 MiB): a file without line ends cannot grow the buffer without bound.
    public static let maximumLineBytes = 64 << 20

    public init(fileDescriptor: Int32, path: String, lossy: Bool = false, chunkSize: Int = 1 << 16) {
        descriptor = fileDescriptor
        self.path = path
        self.lossy = lossy
        self.chunkSize = max(chunkSize, 1)
    }

    /// The complete lines from the next read (a final line without LF at the end of input); nil at the end.
    public mutating func next() throws -> [Line]? {
        while !finished {
            var chunk = [UInt8](repeating: 0, count: chunkSize)
            let got = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, chunkSize) }
            if got < 0 {
                if errno == EINTR { continue }
                throw TextError.unreadable(path: path, reason: String(cString: strerror(errno)))
            }
            if got == 0 {
                finished = true
                if pending.isEmpty { return nil }
                return [try makeLine(pending[...], at: offset)]  // last line without LF
            }
            pending.append(contentsOf: chunk[0..<got])
            if !started {
                started = true
                if pending.count >= 3, pending[0] == 0xEF, pending[1] == 0xBB, pending[2] == 0xBF {
                    pending.removeFirst(3)
                    offset = 3
                }
            }
            var lines: [Line] = []
            var start = 0
            while let end = pending[start...].firstIndex(of: 0x0A) {
                lines.append(try makeLine(pending[start..<end], at: offset + start))
                start = end + 1
            }
            pending.removeFirst(start)
            offset += start
            if pending.count > Self.maximumLineBytes {
                throw TextError.unreadable(path: path, reason: "line \(lineNumber + 1) is longer than \(Self.maximumLineBytes >> 20) MiB")
            }
            if !lines.isEmpty { return lines }
        }
        return nil
    }

    private mutating func makeLine(_ bytes: ArraySlice<UInt8>, at streamOffset: Int) throws -> Line {
        lineNumber += 1
        var bytes = bytes
        if bytes.last == 0x0D { bytes = bytes.dropLast() }
        let text: String
        if let valid = bytes.withUnsafeBufferPointer({ String(validating: $0, as: UTF8.self) }) {
            text = valid
        } else {
            let (first, count) = bytes.withUnsafeBufferPointer { UTF8Validation.firstError(in: $0, countAll: lossy) }
            if !lossy { throw TextError.invalidUTF8(path: path, byteOffset: streamOffset + first, line: lineNumber) }
            replacements += count
            text = bytes.withUnsafeBufferPointer { String(decoding: $0, as: UTF8.self) }
        }
        return Line(number: lineNumber, text: text)
    }
}
