import Foundation

/// Words for a `DecodingError`: which field, what was expected, what was found — "hiddenSize: expected
/// a whole number, found 16.5" rather than "not valid JSON".
enum JSONProblem {
    /// As `describe(_:)`, and when the decoder blames the whole document although it is valid JSON
    /// (Foundation on Linux reports a fraction in a whole-number field so), finds the field: the first
    /// top-level fraction whose rounding makes `data` decode.
    static func describe<T: Decodable>(_ error: DecodingError, data: Data, decoding type: T.Type) -> String {
        guard case .dataCorrupted(let context) = error, context.codingPath.isEmpty,
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return describe(error) }
        for key in object.keys.sorted() {
            guard let number = object[key] as? NSNumber,
                  number.doubleValue.rounded(.towardZero) != number.doubleValue else { continue }
            var rounded = object
            rounded[key] = Int(exactly: number.doubleValue.rounded(.towardZero)) ?? 0
            if let fixed = try? JSONSerialization.data(withJSONObject: rounded),
               (try? JSONDecoder().decode(type, from: fixed)) != nil {
                return "field '\(key)': expected a whole number, found \(number)"
            }
        }
        return "valid JSON, but not the fields and types this model needs (\(describe(error)))"
    }

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
