/// A contiguous block of Float32 values that tensors share: a view and the tensor it views hold the same storage.
public final class TensorStorage: @unchecked Sendable {
    /// The first value; valid for `capacity` values.
    public let base: UnsafeMutablePointer<Float>
    /// How many values the block holds.
    public let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
        // One extra value keeps the pointer valid for empty tensors.
        base = .allocate(capacity: max(capacity, 1))
    }

    deinit { base.deallocate() }
}

/// An N-dimensional Float32 array in row-major (NCHW) order.
///
/// Layers own their output and gradient tensors and `resize` them on every call: once a tensor has grown to the
/// largest shape it meets, later steps reuse its memory, so a training step allocates nothing.
public final class Tensor: @unchecked Sendable {
    /// The extent of each dimension, outermost first.
    public private(set) var shape: [Int]
    /// The product of `shape`.
    public private(set) var count: Int
    /// The memory behind the values; shared with views of this tensor.
    public private(set) var storage: TensorStorage

    /// The first value.
    @inline(__always) public var pointer: UnsafeMutablePointer<Float> { storage.base }

    /// A tensor of zeros.
    public init(zeros shape: [Int]) {
        self.shape = shape
        count = Tensor.elementCount(shape)
        storage = TensorStorage(capacity: count)
        storage.base.initialize(repeating: 0, count: max(count, 1))
    }

    /// A tensor holding `values` in row-major order; `values.count` must equal the product of `shape`.
    public init(shape: [Int], values: [Float]) {
        precondition(values.count == Tensor.elementCount(shape), "Tensor: \(values.count) values for shape \(shape)")
        self.shape = shape
        count = values.count
        storage = TensorStorage(capacity: count)
        values.withUnsafeBufferPointer { storage.base.initialize(from: $0.baseAddress!, count: count) }
    }

    /// A view of `other`'s values under a different shape with the same element count; no values are copied.
    public init(viewing other: Tensor, as shape: [Int]) {
        precondition(Tensor.elementCount(shape) == other.count, "Tensor view: shape \(shape) for \(other.count) values")
        self.shape = shape
        count = other.count
        storage = other.storage
    }

    /// An empty tensor to be sized later with `resize`.
    public convenience init() { self.init(zeros: [0]) }

    /// Gives the tensor a new shape, reusing its memory when it is large enough. Values are unspecified afterwards.
    public func resize(_ newShape: [Int]) {
        let newCount = Tensor.elementCount(newShape)
        if newCount > storage.capacity { storage = TensorStorage(capacity: newCount) }
        shape = newShape
        count = newCount
    }

    /// Changes the shape to one of the same element count, keeping the values.
    public func reshape(_ newShape: [Int]) {
        precondition(Tensor.elementCount(newShape) == count, "Tensor reshape: \(shape) to \(newShape)")
        shape = newShape
    }

    /// The values in row-major order.
    public var values: [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }

    /// The values of sample `index` along the first axis (an image of an `[N, C, H, W]` batch), read in place: valid
    /// while the tensor keeps its size.
    public func sample(_ index: Int) -> UnsafeBufferPointer<Float> {
        let size = shape[0] == 0 ? 0 : count / shape[0]
        return UnsafeBufferPointer(start: pointer + index * size, count: size)
    }

    /// Reads or writes one value by flat index.
    public subscript(index: Int) -> Float {
        get { pointer[index] }
        set { pointer[index] = newValue }
    }

    /// Whether every value is finite (no NaN or infinity), read in place.
    public var isFinite: Bool {
        UnsafeBufferPointer(start: pointer, count: count).allSatisfy(\.isFinite)
    }

    /// Sets every value to `value`.
    public func fill(_ value: Float) { pointer.update(repeating: value, count: count) }

    /// Copies the shape and values of `source`.
    public func copy(from source: Tensor) {
        resize(source.shape)
        pointer.update(from: source.pointer, count: count)
    }

    /// A new tensor with the same shape and values.
    public func clone() -> Tensor { Tensor(shape: shape, values: values) }

    /// The product of a shape's extents.
    public static func elementCount(_ shape: [Int]) -> Int { shape.reduce(1, *) }
}
