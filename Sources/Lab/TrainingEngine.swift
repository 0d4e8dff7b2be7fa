/// Which engine trains a run's models: invertlab's own, or PyTorch through `scripts/torch_engine.py` (for GPUs and
/// the paper's scale). Either way invertlab exports the data, grades the attack and writes the run folder.
public enum TrainingEngine: String, CaseIterable, Sendable {
    case invertlab
    case torch
}
