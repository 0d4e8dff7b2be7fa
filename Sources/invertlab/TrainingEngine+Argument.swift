import ArgumentParser
import Lab

extension TrainingEngine: ExpressibleByArgument {}
