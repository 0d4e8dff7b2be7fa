import ArgumentParser
import Lab

/// Which engine trains the models of `run` and `sweep`, typed once here.
struct EngineOptions: ParsableArguments {
    @Option(help: "Which engine trains the models: invertlab, or torch (PyTorch, needs --out and pip install torch).")
    var engine = TrainingEngine.invertlab

    @Option(parsing: .unconditional, help: "With --engine torch: train on this many GPUs, one process each (torchrun, DistributedDataParallel); without CUDA the processes share the CPU.")
    var gpus = 1

    /// Checks the options against each other and against `out`, the run folder the engines share.
    func check(out: String?) throws {
        guard (1...64).contains(gpus) else { throw ValidationError("--gpus must be between 1 and 64, not \(gpus)") }
        if gpus > 1 && engine != .torch { throw ValidationError("--gpus \(gpus) trains with PyTorch; add --engine torch") }
        if engine == .torch && out == nil {
            throw ValidationError("--engine torch needs --out: the run folder is where the two engines exchange data and models")
        }
    }

    /// The PyTorch engine when chosen.
    func torch() throws -> TorchEngine? {
        engine == .torch ? try TorchEngine(processes: gpus) : nil
    }
}
