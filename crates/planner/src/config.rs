//! One configuration path: defaults, then a TOML file, then environment variables.

use serde::Deserialize;

use crate::{PlannerError, Result};

pub const EXAMPLE: &str = include_str!("../planner.example.toml");

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// `sqlite://PATH` (embedded default) or `postgres://…`.
    pub db: String,
    /// Where the HTTP API listens.
    pub addr: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            db: "sqlite://data/planner.db".into(),
            addr: "127.0.0.1:8787".into(),
        }
    }
}

impl Config {
    /// Defaults, overridden by the file at `path` (if given), then by `DOORSTEP_PLANNER_DB`
    /// and `DOORSTEP_PLANNER_ADDR`.
    pub fn load(path: Option<&std::path::Path>) -> Result<Config> {
        let mut config = match path {
            Some(p) => {
                let text = std::fs::read_to_string(p).map_err(|e| {
                    PlannerError::Invalid(format!("cannot read {}: {e}", p.display()))
                })?;
                toml::from_str(&text).map_err(|e| {
                    PlannerError::Invalid(format!(
                        "{} is not a valid configuration: {e}",
                        p.display()
                    ))
                })?
            }
            None => Config::default(),
        };
        if let Ok(db) = std::env::var("DOORSTEP_PLANNER_DB") {
            config.db = db;
        }
        if let Ok(addr) = std::env::var("DOORSTEP_PLANNER_ADDR") {
            config.addr = addr;
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_printed_example_is_the_default() {
        let parsed: Config = toml::from_str(EXAMPLE).unwrap();
        assert_eq!(
            parsed,
            Config::default(),
            "default-config prints what the planner uses"
        );
    }
}
