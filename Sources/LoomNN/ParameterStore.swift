import LoomTensor

/// Why saved tensors could not be loaded into a model's parameters.
public enum ParameterLoadError: Error, CustomStringConvertible, Equatable {
    case missing(String)
    case shapeMismatch(String, expected: [Int], found: [Int])
    /// Tensors that match no parameter (only an error when `allowUnused` is false).
    case unused([String])
    case duplicateParameterName(String)

    public var description: String {
        switch self {
        case .missing(let name): return "the weights have no tensor \"\(name)\""
        case .shapeMismatch(let name, let expected, let found):
            return "tensor \"\(name)\" has shape \(found), the model expects \(expected)"
        case .unused(let names): return "the weights hold tensors the model does not use: \(names.joined(separator: ", "))"
        case .duplicateParameterName(let name): return "two parameters of the model are named \"\(name)\""
        }
    }
}

/// Moving parameter values to and from name → tensor maps (the contents of a safetensors file).
public enum ParameterStore {
    /// Each parameter's value under its name. Names must be unique (a programmer error otherwise).
    public static func tensors(_ parameters: [Parameter]) -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for p in parameters {
            precondition(out.updateValue(p.value, forKey: p.name) == nil, "two parameters are named \"\(p.name)\"")
        }
        return out
    }

    /// Sets every parameter's value from the tensor of the same name, all or nothing: everything
    /// is checked (present, same shape, no extra tensors unless `allowUnused`) before any value is
    /// replaced. Gradients are reset to zero.
    public static func load(_ tensors: [String: Tensor], into parameters: [Parameter], allowUnused: Bool = false) throws {
        var names = Set<String>()
        for p in parameters {
            guard names.insert(p.name).inserted else { throw ParameterLoadError.duplicateParameterName(p.name) }
            guard let t = tensors[p.name] else { throw ParameterLoadError.missing(p.name) }
            guard t.shape == p.value.shape else {
                throw ParameterLoadError.shapeMismatch(p.name, expected: p.value.shape, found: t.shape)
            }
        }
        if !allowUnused {
            let extra = tensors.keys.filter { !names.contains($0) }.sorted()
            guard extra.isEmpty else { throw ParameterLoadError.unused(extra) }
        }
        for p in parameters {
            p.value = tensors[p.name]!
            p.grad = Tensor.zeros(p.value.shape)
        }
    }
}
