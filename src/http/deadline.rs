//! A deadline on every request body. actix-web bounds the time to read a request's head, not its
//! body: a client that declares a body and stops sending would hold its connection and the
//! bytes already sent for ever. Past the deadline the body ends in an error, which every
//! extractor turns into a 4xx.

use std::{
    pin::Pin,
    task::{Context, Poll},
    time::Duration,
};

use actix_web::{
    HttpMessage,
    dev::{Payload, ServiceRequest},
    error::PayloadError,
    web::Bytes,
};
use futures_util::Stream;

/// Replaces the request's body with one that fails once `within` has passed.
pub fn limit_body_time(request: &mut ServiceRequest, within: Duration) {
    let inner = request.take_payload();
    let stream: Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>> = Box::pin(Timed {
        inner,
        deadline: Box::pin(tokio::time::sleep(within)),
        expired: false,
    });
    request.set_payload(Payload::from(stream));
}

struct Timed {
    inner: Payload,
    deadline: Pin<Box<tokio::time::Sleep>>,
    expired: bool,
}

impl Stream for Timed {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.expired {
            return Poll::Ready(None);
        }
        if let Poll::Ready(item) = Pin::new(&mut self.inner).poll_next(cx) {
            return Poll::Ready(item);
        }
        if self.deadline.as_mut().poll(cx).is_ready() {
            self.expired = true;
            return Poll::Ready(Some(Err(PayloadError::Io(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "the body did not arrive in time",
            )))));
        }
        Poll::Pending
    }
}
