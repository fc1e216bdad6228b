//! The requests bench-runner sends to `workloads/web_service.py` and the answers it expects.
//!
//! This is the client's half of the service's contract, written down independently of the
//! Python: request `seq` is derived from `seq` alone, and every answer is checked field by
//! field (status, each JSON value, the rendered summary string), so a server that skips the
//! work, or answers another request, is an error, not a latency. The catalogue (SKU, name,
//! price) is the same formula on both sides.
//!
//! Routes: `POST /orders` (validate, price the lines from the catalogue, render a summary),
//! `GET /items/<sku>` (a dict lookup, 404 for an unknown SKU), `POST /shutdown`.

use serde_json::Value;

use crate::load::Exchange;

/// SKUs in the catalogue: `SKU-00` .. `SKU-49`.
pub const SKUS: u64 = 50;

pub fn sku(i: u64) -> String {
    format!("SKU-{i:02}")
}

pub fn price_cents(i: u64) -> u64 {
    199 + (i * 733) % 5000
}

/// What request `seq` is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Req {
    /// `GET /items/SKU-nn` (`None`: an SKU not in the catalogue).
    Lookup(Option<u64>),
    /// `POST /orders`; `valid` false puts a quantity of 0 on the first line.
    Order {
        customer: String,
        lines: Vec<(u64, u64)>,
        valid: bool,
    },
}

pub fn req(seq: u64) -> Req {
    if seq % 4 == 3 {
        return Req::Lookup((seq % 40 != 39).then_some((seq * 7) % SKUS));
    }
    let k = 1 + seq % 3;
    let valid = seq % 10 != 7;
    let lines = (0..k)
        .map(|j| {
            let qty = if !valid && j == 0 {
                0
            } else {
                1 + (seq + j) % 5
            };
            ((seq * 13 + j * 7) % SKUS, qty)
        })
        .collect();
    Req::Order {
        customer: format!("c{}", seq % 97),
        lines,
        valid,
    }
}

/// What the server's tally (`handled,orders,lookups,rejected`) must be after it answered
/// `answered` (and the shutdown request).
pub fn tally(answered: &[u64]) -> String {
    let (mut orders, mut lookups, mut rejected) = (0, 0, 0);
    for &s in answered {
        match req(s) {
            Req::Lookup(Some(_)) => lookups += 1,
            Req::Order { valid: true, .. } => orders += 1,
            _ => rejected += 1,
        }
    }
    format!("{},{orders},{lookups},{rejected}", answered.len() + 1)
}

/// The shutdown request: the server answers it, stops and reports its tally.
pub const SHUTDOWN: &[u8] =
    b"POST /shutdown HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\n\r\n{}";

/// The web service's requests and checks.
pub struct WebService;

fn field<'a>(v: &'a Value, key: &str) -> Result<&'a Value, String> {
    v.get(key)
        .ok_or_else(|| format!("no {key:?} in the answer"))
}

fn expect(v: &Value, key: &str, want: Value) -> Result<(), String> {
    let got = field(v, key)?;
    if *got == want {
        Ok(())
    } else {
        Err(format!("{key} is {got}, expected {want}"))
    }
}

impl Exchange for WebService {
    fn request(&self, seq: u64) -> Vec<u8> {
        match req(seq) {
            Req::Lookup(i) => {
                let s = i.map_or_else(|| "SKU-99".to_owned(), sku);
                format!("GET /items/{s} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").into_bytes()
            }
            Req::Order {
                customer, lines, ..
            } => {
                let items: Vec<String> = lines
                    .iter()
                    .map(|&(i, q)| format!("{{\"sku\": \"{}\", \"qty\": {q}}}", sku(i)))
                    .collect();
                let body = format!(
                    "{{\"seq\": {seq}, \"customer\": \"{customer}\", \"items\": [{}]}}",
                    items.join(", ")
                );
                format!(
                    "POST /orders HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
                     Content-Length: {}\r\n\r\n{body}",
                    body.len()
                )
                .into_bytes()
            }
        }
    }

    fn verify(&self, seq: u64, status: u16, body: &[u8]) -> Result<(), String> {
        let v: Value =
            serde_json::from_slice(body).map_err(|e| format!("the body is not JSON ({e})"))?;
        let want_status = |s: u16| {
            if status == s {
                Ok(())
            } else {
                Err(format!("status {status}, expected {s}"))
            }
        };
        match req(seq) {
            Req::Lookup(Some(i)) => {
                want_status(200)?;
                expect(&v, "sku", sku(i).into())?;
                expect(&v, "name", format!("Item {i}").into())?;
                expect(&v, "price_cents", price_cents(i).into())
            }
            Req::Lookup(None) => {
                want_status(404)?;
                expect(&v, "error", "no such item: SKU-99".into())
            }
            Req::Order { valid: false, .. } => {
                want_status(422)?;
                expect(&v, "seq", seq.into())?;
                expect(&v, "error", "qty must be 1..99".into())
            }
            Req::Order {
                customer, lines, ..
            } => {
                want_status(200)?;
                let total: u64 = lines.iter().map(|&(i, q)| q * price_cents(i)).sum();
                expect(&v, "seq", seq.into())?;
                expect(&v, "customer", customer.clone().into())?;
                expect(&v, "lines", lines.len().into())?;
                expect(&v, "total_cents", total.into())?;
                let summary = format!(
                    "Order {seq} for {customer}: {} lines, {}.{:02} EUR",
                    lines.len(),
                    total / 100,
                    total % 100
                );
                expect(&v, "summary", summary.into())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mix_has_orders_lookups_and_rejections() {
        let all: Vec<u64> = (0..40).collect();
        // 10 lookups (seq%4 == 3; 39 is unknown), 30 orders of which 17 and 37 are rejected
        // (seq%10 == 7 and not a lookup); + the shutdown.
        assert_eq!(tally(&all), "41,28,9,3");
        assert!(WebService
            .verify(39, 404, br#"{"error": "no such item: SKU-99"}"#)
            .is_ok());
        assert!(WebService.verify(3, 200, br#"{"sku": "SKU-21"}"#).is_err());
    }
}
