/// One row of partial sums per item of a parallel loop, added up in item order afterwards. Sums that workers add
/// into a shared total as they finish depend on which finished first (floating-point addition is not associative),
/// so training would not repeat itself from a seed; summed in item order they are the same on any machine and
/// however the items were split among the cores.
struct OrderedPartialSums {
    /// How many items there are, each with its own row.
    let items: Int
    /// How many sums each row holds.
    let width: Int
    private let rows: UnsafeMutablePointer<Float>

    /// Zeroed rows for `items` items of `width` sums; `deallocate()` frees them.
    init(items: Int, width: Int) {
        self.items = items
        self.width = width
        rows = UnsafeMutablePointer<Float>.allocate(capacity: max(items * width, 1))
        rows.update(repeating: 0, count: items * width)
    }

    /// Item `item`'s row, which only that item's work writes.
    func row(_ item: Int) -> UnsafeMutablePointer<Float> {
        rows + item * width
    }

    /// Adds every row to `total[0..<width]`, the first item's first.
    func add(into total: UnsafeMutablePointer<Float>) {
        for item in 0..<items {
            let row = self.row(item)
            for index in 0..<width { total[index] += row[index] }
        }
    }

    func deallocate() {
        rows.deallocate()
    }
}
