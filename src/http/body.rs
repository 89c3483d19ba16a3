//! Reading a request body under a size limit, a time limit and, for bodies nobody has
//! authenticated yet, a shared memory budget.
//!
//! The declared length is checked first, then the bytes as they arrive, so an oversized body is
//! refused without being held in memory. A client that declares a large body and then stalls
//! holds its bytes only until `timeout`; all bodies being read together hold at most the
//! budget, and a body that does not fit is refused at once (503: Meta retries later) rather
//! than queued, so slow clients cannot take memory the way they could take time.

use std::{sync::Arc, time::Duration};

use actix_web::{HttpRequest, web};
use futures_util::StreamExt;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

#[derive(Debug)]
pub enum BodyError {
    TooLarge {
        limit: usize,
    },
    /// The body did not arrive within the time allowed.
    TooSlow {
        after: Duration,
    },
    /// All unverified bodies together already hold the budget.
    Busy,
    Unreadable(String),
}

/// Memory shared by the bodies being read before their signature is checked, in bytes.
#[derive(Clone)]
pub struct BodyBudget {
    bytes: Arc<Semaphore>,
}

/// The part of the budget one body holds; given back when dropped.
pub struct Held {
    _permit: Option<OwnedSemaphorePermit>,
}

impl BodyBudget {
    pub fn new(bytes: usize) -> BodyBudget {
        BodyBudget {
            bytes: Arc::new(Semaphore::new(bytes.min(Semaphore::MAX_PERMITS))),
        }
    }

    /// Bytes free right now.
    pub fn available(&self) -> usize {
        self.bytes.available_permits()
    }

    fn take(&self, held: &mut Held, bytes: usize) -> Result<(), BodyError> {
        let bytes = u32::try_from(bytes).map_err(|_| BodyError::Busy)?;
        let permit = self
            .bytes
            .clone()
            .try_acquire_many_owned(bytes)
            .map_err(|_| BodyError::Busy)?;
        match &mut held._permit {
            Some(p) => p.merge(permit),
            None => held._permit = Some(permit),
        }
        Ok(())
    }
}

/// Reads the body within `limit` bytes and `timeout`, holding its size from `budget` (when
/// given) for as long as the returned [`Held`] lives.
pub async fn read_limited(
    request: &HttpRequest,
    payload: web::Payload,
    limit: usize,
    timeout: Duration,
    budget: Option<&BodyBudget>,
) -> Result<(Vec<u8>, Held), BodyError> {
    match tokio::time::timeout(timeout, read(request, payload, limit, timeout, budget)).await {
        Ok(read) => read,
        Err(_) => Err(BodyError::TooSlow { after: timeout }),
    }
}

async fn read(
    request: &HttpRequest,
    mut payload: web::Payload,
    limit: usize,
    timeout: Duration,
    budget: Option<&BodyBudget>,
) -> Result<(Vec<u8>, Held), BodyError> {
    let declared = request
        .headers()
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|len| len > limit) {
        return Err(BodyError::TooLarge { limit });
    }
    let mut held = Held { _permit: None };
    // Memory is taken as bytes arrive, not as declared: a declared length costs nothing until
    // it is sent.
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| match e {
            // The app-wide deadline (`http::deadline`) ended the body.
            actix_web::error::PayloadError::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => {
                BodyError::TooSlow { after: timeout }
            }
            e => BodyError::Unreadable(e.to_string()),
        })?;
        if body.len() + chunk.len() > limit {
            return Err(BodyError::TooLarge { limit });
        }
        if let Some(budget) = budget {
            budget.take(&mut held, chunk.len())?;
        }
        body.extend_from_slice(&chunk);
    }
    Ok((body, held))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_budget_gives_back_what_a_body_held_when_it_is_dropped() {
        let budget = BodyBudget::new(100);
        let mut one = Held { _permit: None };
        budget.take(&mut one, 60).unwrap();
        budget.take(&mut one, 30).unwrap();
        assert_eq!(budget.available(), 10);
        let mut two = Held { _permit: None };
        assert!(matches!(budget.take(&mut two, 20), Err(BodyError::Busy)));
        drop(one);
        assert_eq!(budget.available(), 100);
        budget.take(&mut two, 20).unwrap();
        assert_eq!(budget.available(), 80);
    }
}
