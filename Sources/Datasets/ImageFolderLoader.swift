import Foundation

/// Folders of PGM, PNG or JPEG images: one sub-folder per class (the ORL layout `s1/1.pgm`, FaceScrub's per-person
/// folders), or a flat folder of unlabelled images (CelebA's `img_align_celeba`).
public enum ImageFolderLoader {
    static let imageExtensions: Set<String> = ["pgm", "png", "jpg", "jpeg"]

    /// How unreadable images are treated.
    public enum BadImages: Sendable {
        /// The first unreadable image (or one of another size) stops the load with its error.
        case fail
        /// They are left out and counted in the set's origin.
        case skip
    }

    /// Loads `folder`: labelled by sub-folder when it has sub-folders with images, otherwise flat and unlabelled.
    public static func load(_ folder: URL, preprocessing: Preprocessing, badImages: BadImages = .fail) throws -> ImageSet {
        let manager = FileManager.default
        var isFolder: ObjCBool = false
        guard manager.fileExists(atPath: folder.path, isDirectory: &isFolder) else {
            throw DatasetError(folder, "does not exist")
        }
        guard isFolder.boolValue else { throw DatasetError(folder, "is not a folder") }
        let entries = try contents(of: folder)
        let subfolders = try entries.filter { entry in
            var nested: ObjCBool = false
            return manager.fileExists(atPath: entry.path, isDirectory: &nested) && nested.boolValue
                && !entry.lastPathComponent.hasPrefix(".")
        }.map { ($0, try contents(of: $0).contains { isImage($0) }) }
        let classFolders = subfolders.filter(\.1).map(\.0).sorted { naturalOrder($0.lastPathComponent, $1.lastPathComponent) }
        // Dropping a sub-folder without images would renumber the classes after it, silently.
        if !classFolders.isEmpty, let empty = subfolders.first(where: { !$0.1 })?.0 {
            throw DatasetError(empty, "holds no PGM, PNG or JPEG images, but its siblings are classes; add its images or move it out of \(folder.lastPathComponent)")
        }
        var files: [(URL, Int?)] = []
        if classFolders.isEmpty {
            files = entries.filter(isImage).sorted { naturalOrder($0.lastPathComponent, $1.lastPathComponent) }.map { ($0, nil) }
        } else {
            for (label, classFolder) in classFolders.enumerated() {
                files += try contents(of: classFolder).filter(isImage)
                    .sorted { naturalOrder($0.lastPathComponent, $1.lastPathComponent) }.map { ($0, label) }
            }
        }
        guard !files.isEmpty else { throw DatasetError(folder, "holds no PGM, PNG or JPEG images") }

        var pixels = [UInt8]()
        var labels = [Int]()
        var size: (Int, Int)?
        var skipped = 0
        for (file, label) in files {
            do {
                let image = try ImageCodecs.decode(file)
                if let size, size != (image.width, image.height) {
                    throw DatasetError(file, "is \(image.width) x \(image.height), the images before it are \(size.0) x \(size.1)")
                }
                size = (image.width, image.height)
                pixels += try preprocessing.apply(image.pixels, width: image.width, height: image.height, source: file.path)
                if let label { labels.append(label) }
            } catch {
                guard badImages == .skip else { throw error }
                skipped += 1
            }
        }
        guard !pixels.isEmpty else { throw DatasetError(folder, "has no readable images (\(skipped) skipped)") }
        let kind = classFolders.isEmpty ? "unlabelled images" : "images of \(classFolders.count) classes"
        return ImageSet(height: preprocessing.size, width: preprocessing.size, pixels: pixels,
                        labels: classFolders.isEmpty ? nil : labels,
                        classNames: classFolders.isEmpty ? nil : classFolders.map(\.lastPathComponent),
                        origin: "\(folder.lastPathComponent) (\(pixels.count / (preprocessing.size * preprocessing.size)) \(kind)"
                            + (skipped > 0 ? ", \(skipped) unreadable skipped)" : ")"))
    }

    private static func contents(of folder: URL) throws -> [URL] {
        do {
            return try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
                .filter { !$0.lastPathComponent.hasPrefix(".") }
        } catch {
            throw DatasetError(folder, "cannot be listed (\(error.localizedDescription))")
        }
    }

    static func isImage(_ file: URL) -> Bool { imageExtensions.contains(file.pathExtension.lowercased()) }

    /// "s2" before "s10", "2.pgm" before "10.pgm".
    static func naturalOrder(_ first: String, _ second: String) -> Bool {
        first.compare(second, options: [.numeric]) == .orderedAscending
    }
}
