import LoomTensor

/// A trainable tensor with its gradient. Layers hold parameters by reference so optimizers and the
/// safetensors writer see the same storage the layer computes with.
public final class Parameter {
    /// PyTorch-style name, e.g. `weight_ih_l0`.
    public let name: String
    /// Current value.
    public var value: Tensor
    /// Accumulated gradient, same shape as `value`; backward passes add into it.
    public var grad: Tensor

    public init(name: String, value: Tensor) {
        self.name = name
        self.value = value
        self.grad = Tensor.zeros(value.shape)
    }
}
