/// Layers applied in order, each under a name; nested state-dict names join with dots as PyTorch's do
/// (`encoder.1.running_mean`). A plain `Sequential(layers)` names its layers by index, like `nn.Sequential`.
public final class Sequential: Layer {
    public let children: [(name: String, layer: Layer)]
    /// When set, every layer's forward and backward time is added to it (nested networks included).
    public var profile: LayerProfile? {
        didSet {
            for child in children { (child.layer as? Sequential)?.profile = profile }
        }
    }

    /// Layers named "0", "1", ... as `nn.Sequential` names them.
    public init(_ layers: [Layer]) {
        children = layers.enumerated().map { (String($0.offset), $0.element) }
        ranInPreviousLayer = Array(repeating: false, count: children.count)
    }

    /// Layers under explicit names, as the attributes of a PyTorch module.
    public init(named children: [(name: String, layer: Layer)]) {
        self.children = children
        ranInPreviousLayer = Array(repeating: false, count: children.count)
    }

    /// For each layer, whether the last forward ran it inside the layer before it (see `forward`): its backward
    /// is then part of that layer's, and the gradient passes it unchanged.
    private var ranInPreviousLayer: [Bool]

    public var description: String { "Sequential(\(children.count) layers)" }

    public func forward(_ input: Tensor, mode: Mode) throws -> Tensor {
        var value = input
        for position in ranInPreviousLayer.indices { ranInPreviousLayer[position] = false }
        var position = 0
        while position < children.count {
            let child = children[position]
            let started = profile == nil ? 0 : monotonicNanoseconds()
            let next = position + 1 < children.count ? children[position + 1].layer : nil
            var layersRun = 1
            // Two layers in one pass, with a backward that covers both: a frozen convolution with the frozen batch
            // normalisation after it folded in (evaluation only), and a max pool with the ReLU after it.
            if mode == .evaluation, let convolution = child.layer as? Conv2d, let normalization = next as? BatchNorm2d,
               normalization.channels == convolution.outChannels,
               !convolution.needsParameterGradients, !normalization.needsParameterGradients {
                value = try convolution.forward(value, foldingIn: normalization)
                layersRun = 2
            } else if let pool = child.layer as? MaxPool2d, let activation = next as? Activation, activation.function == .relu {
                value = try pool.forward(value, clampingAtZero: true)
                layersRun = 2
            } else {
                value = try child.layer.forward(value, mode: mode)
            }
            if let profile, !(child.layer is Sequential) {
                profile.add(child.layer, name: "\(child.name) \(child.layer.description)",
                            seconds: Double(monotonicNanoseconds() - started) * 1e-9, backward: false)
            }
            if layersRun == 2 { ranInPreviousLayer[position + 1] = true }
            position += layersRun
        }
        return value
    }

    /// The evaluation-mode output when no backward pass follows (predictions): each convolution followed by batch
    /// normalisation runs as one convolution with the normalisation folded in, and each max pool followed by ReLU
    /// as one pass, saving passes over the activations.
    public func infer(_ input: Tensor) throws -> Tensor {
        var value = input
        var position = 0
        while position < children.count {
            let child = children[position]
            let started = profile == nil ? 0 : monotonicNanoseconds()
            if let nested = child.layer as? Sequential {
                value = try nested.infer(value)
                position += 1
                continue
            }
            if let convolution = child.layer as? Conv2d, position + 1 < children.count,
               let normalization = children[position + 1].layer as? BatchNorm2d,
               normalization.channels == convolution.outChannels {
                value = try convolution.forward(value, foldingIn: normalization)
                position += 2
            } else if let pool = child.layer as? MaxPool2d, position + 1 < children.count,
                      let activation = children[position + 1].layer as? Activation, activation.function == .relu {
                value = try pool.inferClampingAtZero(value)
                position += 2
            } else {
                value = try child.layer.forward(value, mode: .evaluation)
                position += 1
            }
            profile?.add(child.layer, name: "\(child.name) \(child.layer.description)",
                         seconds: Double(monotonicNanoseconds() - started) * 1e-9, backward: false)
        }
        return value
    }

    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor {
        var gradient = outputGradient
        for (position, child) in children.enumerated().reversed() where !ranInPreviousLayer(position) {
            let started = profile == nil ? 0 : monotonicNanoseconds()
            gradient = child.layer.backward(gradient, needsInputGradient: needsInputGradient || position > 0)
            if let profile, !(child.layer is Sequential) {
                profile.add(child.layer, name: "\(child.name) \(child.layer.description)",
                            seconds: Double(monotonicNanoseconds() - started) * 1e-9, backward: true)
            }
        }
        return gradient
    }

    /// Whether the last forward ran the layer at `position` inside the one before it.
    func ranInPreviousLayer(_ position: Int) -> Bool { ranInPreviousLayer[position] }

    public var namedParameters: [(name: String, parameter: Parameter)] {
        children.flatMap { child in
            child.layer.namedParameters.map { (name: "\(child.name).\($0.name)", parameter: $0.parameter) }
        }
    }

    public var stateEntries: [StateEntry] {
        children.flatMap { child in
            child.layer.stateEntries.map { StateEntry(name: "\(child.name).\($0.name)", value: $0.value) }
        }
    }

    public var lastForwardFLOPs: Int { children.reduce(0) { $0 + $1.layer.lastForwardFLOPs } }

    /// Every layer inside, depth first.
    public var allLayers: [Layer] {
        children.flatMap { child -> [Layer] in
            if let nested = child.layer as? Sequential { return nested.allLayers }
            return [child.layer]
        }
    }
}

extension Sequential {
    /// The network split before its last layer: `body` outputs the penultimate features and `head` maps them to the
    /// output. Both share this network's layers, so training one trains the other.
    public var splitBeforeLastLayer: (body: Sequential, head: Layer) {
        let layers = allLayers
        precondition(layers.count > 1, "splitBeforeLastLayer: a network of \(layers.count) layer cannot be split")
        return (Sequential(Array(layers.dropLast())), layers.last!)
    }
}
