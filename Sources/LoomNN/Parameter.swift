import LoomTensor

/// A trainable tensor and the gradient accumulated for it.
///
/// Layers own their parameters; optimizers and checkpoints see them through `parameters` lists.
/// A reference type so that a layer, an optimizer and a checkpoint writer all act on the same storage.
public final class Parameter {
    /// Name used in checkpoints and optimizer state (PyTorch style, e.g. `fc.weight`). Layers name
    /// their own parameters (`weight_ih_l0`); a model prefixes them with the module's name (`lstm.`).
    public var name: String
    /// Current value.
    public var value: Tensor
    /// Gradient of the loss with respect to `value`, accumulated by backward passes until zeroed.
    public var grad: Tensor
    /// Optimizers multiply their learning rate by this for this parameter (1 for almost every parameter;
    /// `NGramBag` learns faster than the layers around it).
    public var learningRateScale: Float = 1

    /// A parameter with the given value and a zero gradient of the same shape.
    public init(name: String, value: Tensor) {
        self.name = name
        self.value = value
        self.grad = Tensor.zeros(value.shape)
    }
}
