import Foundation

/// Updates parameters from their accumulated gradients.
public protocol Optimizer: AnyObject {
    /// Applies one update to every parameter.
    func step()
    /// The parameters it updates.
    var parameters: [Parameter] { get }
}

extension Optimizer {
    /// Sets every parameter's gradient to zero, ready for the next backward pass.
    public func zeroGradients() {
        for parameter in parameters { parameter.gradient.fill(0) }
    }
}

/// Adam with PyTorch's semantics (`torch.optim.Adam`), including the amsgrad variant that divides by the running
/// maximum of the second moment. The paper's setting: learning rate 2e-4, betas (0.5, 0.999), amsgrad on.
public final class Adam: Optimizer {
    public let parameters: [Parameter]
    public var learningRate: Float
    public let beta1: Float
    public let beta2: Float
    public let epsilon: Float
    public let amsgrad: Bool
    public let weightDecay: Float
    /// Updates done so far.
    public private(set) var steps = 0
    private let firstMoments: [Tensor]
    private let secondMoments: [Tensor]
    private let maxSecondMoments: [Tensor]

    public init(parameters: [Parameter], learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                epsilon: Float = 1e-8, amsgrad: Bool = false, weightDecay: Float = 0) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.amsgrad = amsgrad
        self.weightDecay = weightDecay
        firstMoments = parameters.map { Tensor(zeros: $0.value.shape) }
        secondMoments = parameters.map { Tensor(zeros: $0.value.shape) }
        maxSecondMoments = amsgrad ? parameters.map { Tensor(zeros: $0.value.shape) } : []
    }

    /// The paper's optimiser: Adam(lr 2e-4, betas (0.5, 0.999), amsgrad).
    public static func paper(_ parameters: [Parameter]) -> Adam {
        Adam(parameters: parameters, learningRate: 2e-4, beta1: 0.5, beta2: 0.999, amsgrad: true)
    }

    public func step() {
        steps += 1
        let correction1 = 1 - pow(Double(beta1), Double(steps))
        let correction2Root = Float((1 - pow(Double(beta2), Double(steps))).squareRoot())
        let stepSize = Float(Double(learningRate) / correction1)
        let (beta1, beta2, epsilon, weightDecay) = (beta1, beta2, epsilon, weightDecay)
        for (index, parameter) in parameters.enumerated() {
            let value = parameter.value.pointer
            let gradient = parameter.gradient.pointer
            let first = firstMoments[index].pointer
            let second = secondMoments[index].pointer
            let maximum = amsgrad ? maxSecondMoments[index].pointer : second
            let amsgrad = amsgrad
            Parallel.forRanges(parameter.value.count, grain: 65_536) { range in
                for element in range {
                    let g = gradient[element] + weightDecay * value[element]
                    first[element] = beta1 * first[element] + (1 - beta1) * g
                    second[element] = beta2 * second[element] + (1 - beta2) * g * g
                    if amsgrad { maximum[element] = max(maximum[element], second[element]) }
                    let denominator = maximum[element].squareRoot() / correction2Root + epsilon
                    value[element] -= stepSize * first[element] / denominator
                }
            }
        }
    }
}

/// Stochastic gradient descent with momentum (PyTorch `torch.optim.SGD` without dampening or Nesterov): the first
/// step's buffer is the gradient itself.
public final class SGD: Optimizer {
    public let parameters: [Parameter]
    public var learningRate: Float
    public let momentum: Float
    /// Nesterov's form, as PyTorch's `nesterov=True`: the step is g + μ·buffer instead of the buffer.
    public let nesterov: Bool
    private let buffers: [Tensor]
    private var started = false

    public init(parameters: [Parameter], learningRate: Float, momentum: Float = 0, nesterov: Bool = false) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.momentum = momentum
        self.nesterov = nesterov
        buffers = parameters.map { Tensor(zeros: $0.value.shape) }
    }

    public func step() {
        for (index, parameter) in parameters.enumerated() {
            let value = parameter.value.pointer
            let gradient = parameter.gradient.pointer
            let buffer = buffers[index].pointer
            for element in 0..<parameter.value.count {
                var direction = gradient[element]
                if momentum != 0 {
                    buffer[element] = started ? momentum * buffer[element] + direction : direction
                    direction = nesterov ? direction + momentum * buffer[element] : buffer[element]
                }
                value[element] -= learningRate * direction
            }
        }
        started = true
    }
}
