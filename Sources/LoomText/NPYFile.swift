import Foundation

/// NumPy's `.npy` format (version 1.0) for int32 arrays, so padded id matrices load with `numpy.load`:
/// the magic `\x93NUMPY`, the version, a little-endian header length, then a Python dict literal
/// `{'descr': '<i4', 'fortran_order': False, 'shape': (…), }` padded with spaces and a newline so the data
/// starts at a multiple of 64 bytes, then the values, little-endian, row-major.
public enum NPYFile {
    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // \x93NUMPY

    /// The bytes of an int32 array of `shape` (its product must be `values.count`).
    public static func int32(_ values: [Int32], shape: [Int]) -> Data {
        precondition(shape.reduce(1, *) == values.count, "shape \(shape) does not hold \(values.count) values")
        let dimensions = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '<i4', 'fortran_order': False, 'shape': \(dimensions), }"
        let unpadded = magic.count + 2 + 2 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var data = Data(magic)
        data.append(contentsOf: [1, 0])
        let length = UInt16(header.utf8.count)
        data.append(contentsOf: [UInt8(length & 0xFF), UInt8(length >> 8)])
        data.append(contentsOf: header.utf8)
        data.reserveCapacity(data.count + 4 * values.count)
        for value in values {
            let bits = UInt32(bitPattern: value.littleEndian)
            data.append(contentsOf: [UInt8(bits & 0xFF), UInt8((bits >> 8) & 0xFF), UInt8((bits >> 16) & 0xFF), UInt8(bits >> 24)])
        }
        return data
    }

    /// Whether `data` starts like an `.npy` file.
    public static func isNPY(_ data: Data) -> Bool { data.prefix(magic.count).elementsEqual(magic) }
}
