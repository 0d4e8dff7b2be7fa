import ArgumentParser
import Dispatch
import Foundation
import Lab

/// SIGINT and SIGTERM turned into a stop between two training steps: the first signal is remembered and `check`
/// throws a `RunInterruption` at the next step, so checkpoints already written stay whole; a second signal ends the
/// process at once.
final class SignalStop: @unchecked Sendable {
    private let lock = NSLock()
    private var received: RunInterruption?
    private var sources: [DispatchSourceSignal] = []

    init() {
        for (number, name) in [(SIGINT, "SIGINT"), (SIGTERM, "SIGTERM")] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [weak self] in self?.receive(RunInterruption(signalName: name, exitCode: 128 + number)) }
            source.resume()
            sources.append(source)
        }
    }

    private func receive(_ interruption: RunInterruption) {
        let first = lock.withLock {
            defer { received = received ?? interruption }
            return received == nil
        }
        guard first else { exit(interruption.exitCode) }
        FileHandle.standardError.write(Data("\n\(interruption.signalName): stopping after this step (send it again to stop now)\n".utf8))
    }

    /// Throws the interruption once a signal has arrived.
    func check() throws {
        if let interruption = lock.withLock({ received }) { throw interruption }
    }

    /// Runs `body` for one seed's run: `settings` saved in `folder` first, the folder's state tracked (running,
    /// then finished, failed or interrupted), a signal honoured as `run` does.
    func runSeed<Result>(_ settings: ExperimentConfig, folder: RunFolder?, _ body: () throws -> Result) throws -> Result {
        try run(folder: folder) {
            guard let folder else { return try body() }
            return try folder.track {
                try folder.saveConfig(settings)
                return try body()
            }
        }
    }

    /// Runs `body`; an interruption is reported in one line naming `folder`, and the process exits 128 + signal.
    func run<Result>(folder: RunFolder?, _ body: () throws -> Result) throws -> Result {
        do { return try body() } catch let interruption as RunInterruption {
            let kept = folder.map { " \($0.url.path) keeps the last finished epoch's models (state.json: interrupted)." } ?? ""
            FileHandle.standardError.write(Data("invertlab: \(interruption).\(kept)\n".utf8))
            throw ExitCode(interruption.exitCode)
        }
    }
}
