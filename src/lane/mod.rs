//! The lanes: one ordered lane per parent, and what it decides.
//!
//! A parent's messages (and the inputs that are not messages: wake-ups, an officer handing the
//! conversation back) are handled one batch at a time, in order, while different parents run
//! in parallel. Each batch becomes flow inputs, goes through the pure engine with the photo
//! checks in between, and ends as one typed lane commit: the conversation's new state, what it
//! filed, and the replies, written atomically before anything is sent. `loket replay` runs the
//! same decisions again from the journal.
//!
//! | file | job |
//! |---|---|
//! | `runtime.rs` | the lanes: waking, debouncing, fetching media, committing, retrying, hand-over |
//! | `batch.rs` | what a lane hands the conversation (`Batch`) and gets back (`Decision`) |
//! | `inputs.rs` | WhatsApp messages and synthetic inputs to engine inputs |
//! | `photos.rs` | photo verdicts: checked now, or read back from the lane log |
//! | `decide.rs` | the engine over one batch, and its effects to the lane's records |
//! | `replay.rs` | rebuilding every conversation from the journal |

mod batch;
mod decide;
mod inputs;
mod photos;
mod replay;
mod runtime;

pub use batch::{Arrival, Batch, Conversations, Decision};
pub use decide::{Decided, FlowConversations, StoreOpenRequests, decide_batch, photo_policy};
pub use inputs::input_of;
pub use photos::{RecordedVerdicts, Verdicts};
pub use replay::{ReplayReport, replay};
pub use runtime::{LaneSettings, Runtime};
