//! Black-box tests of the WhatsApp channel: the real application over loopback HTTP.

mod backup;
mod deliveries;
mod desk;
mod faults;
mod helpers;
mod hostile;
mod inbound;
mod inbox;
mod notices;
mod openapi;
mod ops;
mod outbound;
mod privacy;
mod retention;
mod subjects;
mod transcripts;
mod walk_in;
