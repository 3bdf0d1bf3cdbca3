import Foundation

/// A file-system call that failed, with the path and the operating system's reason.
public struct FileSystemError: Error, CustomStringConvertible, Equatable, Sendable {
    public var path: String
    /// What Loom was doing, e.g. "cannot write".
    public var operation: String
    /// The `errno` value.
    public var code: Int32

    public init(path: String, operation: String, code: Int32) {
        self.path = path
        self.operation = operation
        self.code = code
    }

    /// The operating system's wording of `code`, e.g. "No space left on device".
    public var reason: String { String(cString: strerror(code)) }

    public var description: String { "\(path): \(operation): \(reason)" }

    /// True when the path does not exist.
    public var isNotFound: Bool { code == ENOENT }
}
