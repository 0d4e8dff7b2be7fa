import ArgumentParser

/// The flags every command that writes a run folder shares: replace what is there, JSON or text, progress or none.
struct OutputFlags: ParsableArguments {
    @Flag(help: "Replace the run already in --out instead of refusing.")
    var overwrite = false

    @Flag(help: "Print one JSON object with the results as the last line.")
    var json = false

    @Flag(help: "No progress on standard error.")
    var quiet = false
}
