/// Why a safetensors file could not be read or written. Every description names the file (or
/// `<bytes>` when decoding from memory) and, where one is involved, the tensor.
public enum SafeTensorsError: Error, CustomStringConvertible, Equatable {
    /// Fewer than the 8 bytes that hold the header length.
    case truncated(file: String, size: Int)
    /// The header length exceeds the reader's limit.
    case headerTooLarge(file: String, headerSize: UInt64, limit: Int)
    /// The header length points past the end of the file.
    case headerBeyondFile(file: String, headerSize: UInt64, fileSize: Int)
    case headerNotUTF8(file: String)
    case headerNotJSON(file: String, reason: String)
    case headerNotObject(file: String, found: String)
    case invalidMetadata(file: String, reason: String)
    /// A tensor entry that is not an object.
    case invalidEntry(file: String, tensor: String, reason: String)
    case missingField(file: String, tensor: String, field: String)
    case invalidField(file: String, tensor: String, field: String, reason: String)
    case unsupportedDType(file: String, tensor: String, dtype: String)
    /// `data_offsets` end beyond the byte buffer.
    case offsetsOutOfRange(file: String, tensor: String, begin: Int, end: Int, bufferSize: Int)
    /// `data_offsets` with begin > end.
    case offsetsNotOrdered(file: String, tensor: String, begin: Int, end: Int)
    case overlappingTensors(file: String, first: String, second: String)
    /// Bytes inside the buffer that belong to no tensor (the spec requires full coverage).
    case gap(file: String, begin: Int, end: Int)
    /// Bytes after the last tensor.
    case trailingBytes(file: String, begin: Int, end: Int)
    /// shape × dtype size differs from the byte count given by the offsets.
    case sizeMismatch(file: String, tensor: String, shape: [Int], dtype: String, expectedBytes: Int?, actualBytes: Int)
    case duplicateName(file: String, tensor: String)
    /// A name that cannot be written (`__metadata__` is reserved).
    case invalidName(file: String, tensor: String, reason: String)
    case readFailed(file: String, reason: String)
    case writeFailed(file: String, reason: String)

    public var description: String {
        switch self {
        case let .truncated(file, size):
            return "\(file): truncated safetensors file (\(size) bytes; at least 8 are needed for the header length)"
        case let .headerTooLarge(file, size, limit):
            return "\(file): safetensors header of \(size) bytes exceeds the limit of \(limit) bytes"
        case let .headerBeyondFile(file, size, fileSize):
            return "\(file): safetensors header of \(size) bytes does not fit in the \(fileSize)-byte file"
        case let .headerNotUTF8(file):
            return "\(file): safetensors header is not valid UTF-8"
        case let .headerNotJSON(file, reason):
            return "\(file): safetensors header is not valid JSON: \(reason)"
        case let .headerNotObject(file, found):
            return "\(file): safetensors header must be a JSON object, found \(found)"
        case let .invalidMetadata(file, reason):
            return "\(file): invalid __metadata__: \(reason)"
        case let .invalidEntry(file, tensor, reason):
            return "\(file): tensor \"\(tensor)\": \(reason)"
        case let .missingField(file, tensor, field):
            return "\(file): tensor \"\(tensor)\" has no \"\(field)\""
        case let .invalidField(file, tensor, field, reason):
            return "\(file): tensor \"\(tensor)\": invalid \"\(field)\": \(reason)"
        case let .unsupportedDType(file, tensor, dtype):
            return "\(file): tensor \"\(tensor)\" has dtype \(dtype); Loom reads F32, F16, BF16 and F64"
        case let .offsetsOutOfRange(file, tensor, begin, end, size):
            return "\(file): tensor \"\(tensor)\" data_offsets [\(begin), \(end)] lie outside the \(size)-byte buffer"
        case let .offsetsNotOrdered(file, tensor, begin, end):
            return "\(file): tensor \"\(tensor)\" data_offsets [\(begin), \(end)] end before they begin"
        case let .overlappingTensors(file, first, second):
            return "\(file): tensors \"\(first)\" and \"\(second)\" overlap"
        case let .gap(file, begin, end):
            return "\(file): bytes \(begin)..<\(end) of the buffer belong to no tensor"
        case let .trailingBytes(file, begin, end):
            return "\(file): \(end - begin) trailing bytes after the last tensor (buffer bytes \(begin)..<\(end))"
        case let .sizeMismatch(file, tensor, shape, dtype, expected, actual):
            let expectedText = expected.map { "\($0) bytes" } ?? "an overflowing byte count"
            return "\(file): tensor \"\(tensor)\" of shape \(shape) and dtype \(dtype) needs \(expectedText), its offsets span \(actual)"
        case let .duplicateName(file, tensor):
            return "\(file): tensor \"\(tensor)\" appears more than once"
        case let .invalidName(file, tensor, reason):
            return "\(file): cannot write tensor \"\(tensor)\": \(reason)"
        case let .readFailed(file, reason):
            return "\(file): cannot read: \(reason)"
        case let .writeFailed(file, reason):
            return "\(file): cannot write: \(reason)"
        }
    }
}
