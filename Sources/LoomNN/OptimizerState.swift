import LoomTensor

/// A problem with optimizer state handed to `loadState`.
public enum OptimizerStateError: Error, CustomStringConvertible, Equatable {
    /// A tensor name that is not "<slot>.<param name>" for one of the optimizer's slots.
    case unexpectedKey(String)
    /// A slot tensor whose companion slot (m. without v., or v. without m.) is missing.
    case missingCompanion(String)
    case shapeMismatch(String, expected: [Int], found: [Int])
    /// State for a parameter the model does not have.
    case unknownParameter(String)
    case invalidStepCount(Int)

    public var description: String {
        switch self {
        case .unexpectedKey(let key): return "optimizer state: unexpected tensor \"\(key)\""
        case .missingCompanion(let key): return "optimizer state: \"\(key)\" has no matching companion slot"
        case .shapeMismatch(let key, let expected, let found):
            return "optimizer state: \"\(key)\" has shape \(found), expected \(expected)"
        case .unknownParameter(let key): return "optimizer state: \"\(key)\" names no parameter of the model"
        case .invalidStepCount(let n): return "optimizer state: step count \(n) is negative"
        }
    }
}

/// Per-parameter optimizer buffers ("slots", e.g. Adam's m and v).
///
/// During training a parameter's slots are found by the parameter's identity, so two layers may
/// both call their weight "weight" without sharing state. Saving names every slot tensor
/// "<slot>.<param name>" (so names must be unique then); loaded state waits under its name until
/// the parameter of that name first takes a step.
final class OptimizerSlots {
    private struct Entry {
        let parameter: Parameter
        var slots: [[Float]]
    }

    let slotNames: [String]
    private var entries: [ObjectIdentifier: Entry] = [:]
    private var pending: [String: (shape: [Int], slots: [[Float]])] = [:]

    init(slotNames: [String]) { self.slotNames = slotNames }

    /// Removes and returns the slots of `parameter` (zeros on its first step), to be handed back
    /// through `store` after the update; moving them out avoids a copy-on-write of the buffers.
    func take(_ parameter: Parameter) -> [[Float]] {
        let n = parameter.value.count
        if var entry = entries.removeValue(forKey: ObjectIdentifier(parameter)) {
            let slots = entry.slots
            entry.slots = []
            return slots
        }
        if let loaded = pending.removeValue(forKey: parameter.name) {
            precondition(loaded.slots.allSatisfy { $0.count == n },
                         "optimizer state loaded for \(parameter.name) has shape \(loaded.shape), the parameter \(parameter.value.shape); pass parameters: to loadState to get an error instead")
            return loaded.slots
        }
        return slotNames.map { _ in [Float](repeating: 0, count: n) }
    }

    func store(_ parameter: Parameter, _ slots: [[Float]]) {
        entries[ObjectIdentifier(parameter)] = Entry(parameter: parameter, slots: slots)
    }

    /// "<slot>.<param name>" for every parameter with state, including loaded state not used yet.
    func tensors() -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for (name, loaded) in pending {
            for (slot, values) in zip(slotNames, loaded.slots) { out[slot + "." + name] = Tensor(shape: loaded.shape, data: values) }
        }
        for entry in entries.values {
            for (slot, values) in zip(slotNames, entry.slots) {
                let key = slot + "." + entry.parameter.name
                precondition(out.updateValue(Tensor(shape: entry.parameter.value.shape, data: values), forKey: key) == nil,
                             "two parameters named \"\(entry.parameter.name)\" have optimizer state; give layers distinct names to save it")
            }
        }
        return out
    }

    /// Replaces all state with `tensors` (as written by `tensors()`), after validating it.
    func load(_ tensors: [String: Tensor], parameters: [Parameter]?) throws {
        let shapes = parameters.map { Dictionary($0.map { ($0.name, $0.value.shape) }, uniquingKeysWith: { a, _ in a }) }
        var loaded: [String: (shape: [Int], slots: [[Float]])] = [:]
        for key in tensors.keys.sorted() {
            guard let slot = slotNames.first(where: { key.hasPrefix($0 + ".") }) else { throw OptimizerStateError.unexpectedKey(key) }
            let name = String(key.dropFirst(slot.count + 1))
            if loaded[name] != nil { continue }  // already read with its companions
            let shape = tensors[key]!.shape
            var slots: [[Float]] = []
            for other in slotNames {
                guard let companion = tensors[other + "." + name] else { throw OptimizerStateError.missingCompanion(key) }
                guard companion.shape == shape else {
                    throw OptimizerStateError.shapeMismatch(other + "." + name, expected: shape, found: companion.shape)
                }
                slots.append(companion.data)
            }
            if let shapes {
                guard let expected = shapes[name] else { throw OptimizerStateError.unknownParameter(key) }
                guard expected == shape else { throw OptimizerStateError.shapeMismatch(key, expected: expected, found: shape) }
            }
            loaded[name] = (shape, slots)
        }
        pending = loaded
        entries = [:]
    }
}
