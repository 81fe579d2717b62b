//! The `storm` command, built in this package so cluster tests find it with
//! `env!("CARGO_BIN_EXE_storm_cli")`.

fn main() -> std::process::ExitCode {
    storm_cli::main()
}
