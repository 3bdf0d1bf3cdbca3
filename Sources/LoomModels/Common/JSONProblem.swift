import Foundation

/// Words for a `DecodingError`: which field, what was expected, what was found — "hiddenSize: expected
/// a whole number, found 16.5" rather than "not valid JSON".
enum JSONProblem {
    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { key in key.intValue.map { "[\($0)]" } ?? key.stringValue }
            return keys.isEmpty ? "the top level" : "field '\(keys.joined(separator: "."))'"
        }
        switch error {
        case .typeMismatch(let type, let context):
            return "\(path(context)): expected \(name(of: type)) (\(context.debugDescription))"
        case .valueNotFound(let type, let context):
            return "\(path(context)): expected \(name(of: type)), found null"
        case .keyNotFound(let key, let context):
            let at = context.codingPath.isEmpty ? "" : " in \(path(context))"
            return "missing field '\(key.stringValue)'\(at)"
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty {
                let underlying = (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
                return "not valid JSON: \(underlying ?? context.debugDescription)"
            }
            return "\(path(context)): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }

    private static func name(of type: Any.Type) -> String {
        switch type {
        case is Int.Type, is Int32.Type, is Int64.Type, is UInt64.Type: return "a whole number"
        case is Float.Type, is Double.Type: return "a number"
        case is String.Type: return "a string"
        case is Bool.Type: return "true or false"
        default: return "\(type)"
        }
    }
}
