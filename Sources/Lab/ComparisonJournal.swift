import Foundation
import NeuralNet
import TensorFiles

/// What an unfinished comparison has finished, kept in a folder as it goes: each measured row (`ATTACK.json`) with
/// its images (`ATTACK.npy`), and the GANs and students once trained (`gan.safetensors`, `kedmi-gan.safetensors`,
/// `student-N.safetensors`, their training time in `trained.json`). A comparison resumed with the same settings reads them back instead of
/// measuring or training again, so a seed that takes longer than one sitting ends in several.
public struct ComparisonJournal: Sendable {
    public let folder: URL

    public init(folder: URL) { self.folder = folder }

    /// A row read back with the images it graded.
    public struct FinishedRow {
        public let row: ComparisonRow
        public let images: Tensor
    }

    /// The row `attack` finished here, when it did; its images must be one per identity of `classes` and `shape`
    /// each (channels, height, width), or the error names the file.
    func finishedRow(_ attack: ComparedAttack, classes: Int, shape: [Int]) throws -> FinishedRow? {
        let rowFile = file("\(attack.name).json"), imageFile = file("\(attack.name).npy")
        guard exists(rowFile), exists(imageFile) else { return nil }
        let row: ComparisonRow
        do { row = try JSONDecoder().decode(ComparisonRow.self, from: try FileBytes.read(rowFile)) } catch let error as FileFormatError {
            throw error
        } catch {
            throw FileFormatError(rowFile, "is not a row of the comparison (\(error))")
        }
        guard row.attack == attack.name else { throw FileFormatError(rowFile, "holds the row of '\(row.attack)', not of '\(attack.name)'") }
        let images = try NumpyArray.read(imageFile)
        guard images.shape == [classes] + shape else {
            throw FileFormatError(imageFile, "has shape \(images.shape); this comparison makes \([classes] + shape)")
        }
        return FinishedRow(row: row, images: images)
    }

    /// Keeps `row` and its images, the images first: a row file is only ever written beside its images.
    func record(_ row: ComparisonRow, images: Tensor) throws {
        try create()
        try NumpyArray.write(images, to: file("\(row.attack).npy"))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        try encoder.encode(row).write(to: file("\(row.attack).json"), options: .atomic)
    }

    /// The models trained here and how long training them took, as `trained.json` keeps it.
    private struct TrainingTimes: Codable {
        var ganSeconds: Double?
        var kedmiGANSeconds: Double?
        var studentsSeconds: Double?

        enum CodingKeys: String, CodingKey {
            case ganSeconds = "gan_seconds", kedmiGANSeconds = "kedmi_gan_seconds", studentsSeconds = "students_seconds"
        }

        subscript(kind: GenerativePrior.Kind) -> Double? {
            get { kind == .general ? ganSeconds : kedmiGANSeconds }
            set { if kind == .general { ganSeconds = newValue } else { kedmiGANSeconds = newValue } }
        }
    }

    /// The GAN of `kind` trained here for `config`, with its training time, when there is one.
    func prior(for config: ExperimentConfig, kind: GenerativePrior.Kind) throws -> AttackComparison.Trained<GenerativePrior>? {
        let url = file(GenerativePrior.fileName(kind))
        guard let seconds = try times()[kind], exists(url) else { return nil }
        return AttackComparison.Trained(model: try GenerativePrior.load(from: url, for: config, kind: kind), seconds: seconds)
    }

    /// The students trained here for `config`, with their training time, when all are there.
    func students(for config: ExperimentConfig) throws -> AttackComparison.Trained<[Sequential]>? {
        let files = studentFiles(StudentNetwork.allCases.count)
        guard let seconds = try times().studentsSeconds, files.allSatisfy(exists) else { return nil }
        return AttackComparison.Trained(model: try ModelAugmentation.loadStudents(from: files, for: config), seconds: seconds)
    }

    /// Keeps the GAN trained in `seconds`.
    func record(prior: GenerativePrior, seconds: Double) throws {
        try create()
        try prior.networks.saveState(to: file(GenerativePrior.fileName(prior.kind)))
        var recorded = try times()
        recorded[prior.kind] = seconds
        try save(recorded)
    }

    /// Keeps the students trained in `seconds`.
    func record(students: [Sequential], seconds: Double) throws {
        try create()
        for (student, url) in zip(students, studentFiles(students.count)) { try student.saveState(to: url) }
        var recorded = try times()
        recorded.studentsSeconds = seconds
        try save(recorded)
    }

    private func times() throws -> TrainingTimes {
        let url = file("trained.json")
        guard exists(url) else { return TrainingTimes() }
        do { return try JSONDecoder().decode(TrainingTimes.self, from: try FileBytes.read(url)) } catch let error as FileFormatError {
            throw error
        } catch {
            throw FileFormatError(url, "is not the record of the models trained (\(error))")
        }
    }

    /// Written last, after the models it times: a time is only ever recorded for models already saved.
    private func save(_ times: TrainingTimes) throws {
        try JSONEncoder().encode(times).write(to: file("trained.json"), options: .atomic)
    }

    private func studentFiles(_ count: Int) -> [URL] { (1...count).map { file("student-\($0).safetensors") } }

    private func create() throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    private func file(_ name: String) -> URL { folder.appendingPathComponent(name) }

    private func exists(_ url: URL) -> Bool { FileManager.default.fileExists(atPath: url.path) }
}
