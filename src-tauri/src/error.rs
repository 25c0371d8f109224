//! How an error crosses to the UI: `{"code": "...", "message": "..."}` (docs/COMMANDS.md). The
//! type lives in `field` beside the errors it carries, so the generated contract names it.

pub use doorstep_field::error::{CommandError, ErrorCode};
