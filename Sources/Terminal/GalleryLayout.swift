/// How a gallery of square greyscale images fills a panel: the largest face that still shows a useful number of
/// items, up to the images' own resolution. An item is a column of `stacked` images (a victim above its
/// reconstruction, or a victim above one reconstruction per release); items sit side by side in bands, each band
/// with one label row under it. A cell shows one pixel across and two down, so a face `side` pixels wide takes
/// `side` columns and `side / 2` rows.
public struct GalleryLayout: Equatable, Sendable {
    /// The side of each drawn face in pixels (even, at least 2).
    public let side: Int
    /// Items side by side in a band.
    public let columns: Int
    /// Bands of items, one above the other.
    public let bands: Int
    /// Images in each item, one above the other.
    public let stacked: Int

    /// Items on one page.
    public var perPage: Int { columns * bands }
    /// Cell rows of one image.
    public var imageRows: Int { side / 2 }
    /// Cell rows of one band: its images and the label row.
    public var bandRows: Int { stacked * imageRows + 1 }
    /// Cell columns of one item, with the gap after it.
    public var itemColumns: Int { side + 1 }

    /// The layout for `count` items of images `imageSide` pixels square in `width` x `height` cells: the largest side
    /// (at most `imageSide`) at which at least `min(minimumShown, count)` items fit; at the smallest side, whatever
    /// fits.
    public static func fit(width: Int, height: Int, imageSide: Int, count: Int, stacked: Int,
                           minimumShown: Int) -> GalleryLayout {
        let wanted = max(1, min(minimumShown, count))
        var side = max(2, imageSide - imageSide % 2)
        while true {
            let layout = GalleryLayout(side: side, columns: max(0, (width + 1) / (side + 1)),
                                       bands: max(0, height / (stacked * side / 2 + 1)), stacked: stacked)
            if layout.perPage >= wanted || side == 2 { return layout }
            side -= 2
        }
    }

    /// The layout with exactly `columns` items across each band (a table whose columns mean something, such as one
    /// per release): the largest side (at most `imageSide`) at which they fit across `width` and one band fits in
    /// `height`; as many bands as then fit.
    public static func fit(columns: Int, width: Int, height: Int, imageSide: Int, stacked: Int) -> GalleryLayout {
        var side = min(imageSide, (width + 1) / max(columns, 1) - 1)
        side = max(2, side - side % 2)
        while side > 2 && stacked * side / 2 + 1 > height { side -= 2 }
        return GalleryLayout(side: side, columns: columns, bands: max(0, height / (stacked * side / 2 + 1)), stacked: stacked)
    }

    /// The page that shows item `index`, and the items on it.
    public func page(showing index: Int, of count: Int) -> (number: Int, items: Range<Int>) {
        guard perPage > 0 else { return (0, 0..<0) }
        let number = max(0, index) / perPage
        return (number, (number * perPage)..<min(count, (number + 1) * perPage))
    }

    /// The top-left cell of the `position`-th item on a page, inside a panel whose inside starts at `origin`.
    public func origin(of position: Int, from origin: (x: Int, y: Int)) -> (x: Int, y: Int) {
        let (band, column) = position.quotientAndRemainder(dividingBy: max(columns, 1))
        return (origin.x + column * itemColumns, origin.y + band * bandRows)
    }
}
