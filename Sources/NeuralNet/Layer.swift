/// Whether a forward pass trains (batch statistics, dropout) or evaluates (running statistics, no dropout).
public enum Mode: Sendable {
    case training
    case evaluation
}

/// A learnable tensor and the gradient that backward passes add into.
public final class Parameter: @unchecked Sendable {
    /// The current values.
    public let value: Tensor
    /// The accumulated gradient of the loss with respect to `value`; same shape.
    public let gradient: Tensor
    /// Whether backward passes add into `gradient`. A search over a network's input (an attack) clears it, as
    /// PyTorch's `requires_grad = False`, so that backward computes input gradients only; a layer computes all its
    /// parameter gradients when any of its parameters requires one.
    public var requiresGradient = true

    /// A parameter holding `value`, with a zero gradient.
    public init(_ value: Tensor) {
        self.value = value
        gradient = Tensor(zeros: value.shape)
    }
}

/// An integer buffer in a state dict, such as BatchNorm's `num_batches_tracked` (an int64 scalar in PyTorch).
public final class Counter: @unchecked Sendable {
    /// The current count.
    public var value: Int64 = 0
}

/// One entry of a layer's state dict: a float tensor (parameter or buffer) or an integer counter.
public enum StateValue: Sendable {
    case floats(Tensor)
    case counter(Counter)
}

/// A named entry of a state dict, named as PyTorch names it (`encoder.1.running_mean`).
public struct StateEntry: Sendable {
    public let name: String
    public let value: StateValue
}

/// A network layer with an explicit forward and backward pass.
///
/// `forward` returns a tensor the layer owns and keeps until its next forward; `backward` must follow the forward
/// whose input it differentiates, adds parameter gradients into `Parameter.gradient` and returns the gradient with
/// respect to that input (a tensor the layer owns).
public protocol Layer: AnyObject {
    /// A short description for error messages, like `Conv2d(1→32, 3x3, stride 1, pad 1)`.
    var description: String { get }
    /// Runs the layer; throws `ShapeError` when the input does not fit.
    func forward(_ input: Tensor, mode: Mode) throws -> Tensor
    /// Back-propagates `outputGradient`. When `needsInputGradient` is false the layer may skip computing the input
    /// gradient (the first layer of a network) and returns an empty tensor.
    func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor
    /// Learnable parameters with their local names (`weight`, `bias`).
    var namedParameters: [(name: String, parameter: Parameter)] { get }
    /// Every entry of the layer's state dict with local names: parameters, then buffers.
    var stateEntries: [StateEntry] { get }
    /// Floating-point operations of the last forward pass, counting a multiply-add as two.
    var lastForwardFLOPs: Int { get }
}

extension Layer {
    public var namedParameters: [(name: String, parameter: Parameter)] { [] }
    public var stateEntries: [StateEntry] {
        namedParameters.map { StateEntry(name: $0.name, value: .floats($0.parameter.value)) }
    }
    public var lastForwardFLOPs: Int { 0 }

    /// Every learnable parameter.
    public var parameters: [Parameter] { namedParameters.map(\.parameter) }

    /// Sets every parameter gradient to zero.
    public func zeroGradients() {
        for parameter in parameters { parameter.gradient.fill(0) }
    }

    /// Whether any parameter requires a gradient: a layer skips its parameter gradients when none does.
    var needsParameterGradients: Bool { parameters.contains(where: \.requiresGradient) }
}

/// An input whose shape a layer cannot take; the message names the layer.
public struct ShapeError: Error, CustomStringConvertible, Sendable {
    public let description: String

    /// An error for `layer` that expected `expected` and got `actual`.
    public init(layer: String, expected: String, actual: [Int]) {
        description = "\(layer): expected input of shape \(expected), got \(actual)"
    }
}

/// Runs `body` with every parameter of `layers` frozen (`requiresGradient` false), then restores each parameter's
/// setting: a search over the networks' input (an attack) then pays for input gradients only.
public func withFrozenParameters<Result>(of layers: [Layer], _ body: () throws -> Result) rethrows -> Result {
    let parameters = layers.flatMap(\.parameters)
    let settings = parameters.map(\.requiresGradient)
    for parameter in parameters { parameter.requiresGradient = false }
    defer { for (parameter, setting) in zip(parameters, settings) { parameter.requiresGradient = setting } }
    return try body()
}
