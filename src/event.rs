//! What the shopper did: the history events the device keeps. Plain data, shared by the
//! fold-in (`profile`), RFM (`segment::rfm`) and the recommendation API.

use crate::error::RecommendError;
use crate::number::Quoted;

/// What the shopper did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    View,
    Cart,
    Purchase,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::View => "view",
            EventKind::Cart => "cart",
            EventKind::Purchase => "purchase",
        }
    }
}

impl std::str::FromStr for EventKind {
    type Err = RecommendError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "view" => Ok(EventKind::View),
            "cart" => Ok(EventKind::Cart),
            "purchase" => Ok(EventKind::Purchase),
            other => Err(RecommendError::InvalidOption {
                name: "event type",
                reason: format!(
                    "{} is not one of \"view\", \"cart\", \"purchase\"",
                    Quoted(other)
                ),
            }),
        }
    }
}

/// One history event on a catalog item.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Event {
    pub item: u32,
    pub kind: EventKind,
    /// Milliseconds since the Unix epoch; `None` means "now" (no decay).
    pub timestamp_ms: Option<f64>,
}
