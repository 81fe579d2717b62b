//! The `storm` command. See [`storm_cli`] for what it does.

fn main() -> std::process::ExitCode {
    storm_cli::main()
}
