import Foundation

/// Where a run folder's run stands, kept in its `state.json` so a folder left by a killed or failed run says so.
public enum RunState: Sendable, Equatable {
    case running
    case complete
    /// Stopped by a signal; the models are those of the last finished epoch.
    case interrupted(reason: String)
    case failed(reason: String)

    /// The word written as `state`.
    public var name: String {
        switch self {
        case .running: "running"
        case .complete: "complete"
        case .interrupted: "interrupted"
        case .failed: "failed"
        }
    }

    public var reason: String? {
        switch self {
        case .running, .complete: nil
        case .interrupted(let reason), .failed(let reason): reason
        }
    }
}

/// A run stopped by SIGINT or SIGTERM between two steps; `exitCode` is the shell's 128 + signal number.
public struct RunInterruption: Error, CustomStringConvertible, Sendable {
    public let signalName: String
    public let exitCode: Int32

    public init(signalName: String, exitCode: Int32) {
        self.signalName = signalName
        self.exitCode = exitCode
    }

    public var description: String { "stopped by \(signalName)" }
}
