//! Sign-in attempts limited per address: besides each account's own lock (which guards one
//! account), an address that keeps failing, whatever names it tries, waits.

use std::{
    collections::{HashMap, VecDeque},
    net::IpAddr,
    sync::Mutex,
    time::{Duration, Instant},
};

use actix_web::HttpRequest;

/// Failed sign-ins an address may make within the window.
const MAX_FAILURES: usize = 10;
const WINDOW: Duration = Duration::from_secs(15 * 60);

#[derive(Default)]
pub struct SignInThrottle {
    failures: Mutex<HashMap<IpAddr, VecDeque<Instant>>>,
}

impl SignInThrottle {
    fn failures(&self) -> std::sync::MutexGuard<'_, HashMap<IpAddr, VecDeque<Instant>>> {
        self.failures
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// `Err(minutes to wait)` when the address has failed too often lately.
    pub fn check(&self, address: Option<IpAddr>) -> Result<(), u64> {
        let Some(address) = address else {
            return Ok(());
        };
        let now = Instant::now();
        let mut failures = self.failures();
        let Some(recent) = failures.get_mut(&address) else {
            return Ok(());
        };
        while recent
            .front()
            .is_some_and(|t| now.duration_since(*t) > WINDOW)
        {
            recent.pop_front();
        }
        if recent.len() < MAX_FAILURES {
            return Ok(());
        }
        let oldest = recent.front().copied().unwrap_or(now);
        let wait = WINDOW.saturating_sub(now.duration_since(oldest));
        Err(minutes_to_wait(wait))
    }

    pub fn failed(&self, address: Option<IpAddr>) {
        let Some(address) = address else { return };
        let now = Instant::now();
        let mut failures = self.failures();
        // Addresses quiet for the window are forgotten, so the map stays small.
        if failures.len() > 4096 {
            failures.retain(|_, r| r.back().is_some_and(|t| now.duration_since(*t) <= WINDOW));
        }
        let recent = failures.entry(address).or_default();
        recent.push_back(now);
        if recent.len() > MAX_FAILURES {
            recent.pop_front();
        }
    }

    pub fn succeeded(&self, address: Option<IpAddr>) {
        if let Some(address) = address {
            self.failures().remove(&address);
        }
    }
}

/// The client's address: the connection's peer, or with `LOKET_TRUST_FORWARDED=true` (behind a
/// proxy that sets it) the first address of `Forwarded`/`X-Forwarded-For`.
pub fn client_address(request: &HttpRequest, trust_forwarded: bool) -> Option<IpAddr> {
    let text = if trust_forwarded {
        request.connection_info().realip_remote_addr()?.to_string()
    } else {
        return request.peer_addr().map(|a| a.ip());
    };
    text.parse::<IpAddr>()
        .ok()
        .or_else(|| text.parse::<std::net::SocketAddr>().ok().map(|a| a.ip()))
}

/// A wait as the whole minutes a person is told to wait: rounded up, at least one.
pub(crate) fn minutes_to_wait(wait: Duration) -> u64 {
    wait.as_secs().div_ceil(60).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_that_keeps_failing_waits_and_a_success_clears_it() {
        let throttle = SignInThrottle::default();
        let a: IpAddr = "203.0.113.7".parse().unwrap();
        let b: IpAddr = "203.0.113.8".parse().unwrap();
        for _ in 0..MAX_FAILURES {
            assert!(throttle.check(Some(a)).is_ok());
            throttle.failed(Some(a));
        }
        assert_eq!(throttle.check(Some(a)), Err(15));
        assert!(throttle.check(Some(b)).is_ok(), "others are not held up");
        throttle.succeeded(Some(a));
        assert!(throttle.check(Some(a)).is_ok());
    }
}
