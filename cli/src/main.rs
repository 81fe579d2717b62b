//! The `storm` command (being built).

fn main() -> anyhow::Result<()> {
    Ok(())
}
