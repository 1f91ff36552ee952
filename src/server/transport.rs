//! JSON-RPC over stdio with LSP's `Content-Length` framing. `lsp_server::Connection::stdio`
//! ends the connection on the first malformed message; here a message that is not JSON, not
//! an object or not a request, response or notification gets a JSON-RPC error (`-32700` or
//! `-32600`) and the server reads on. A body is read only up to [`MAX_BODY`].

use lsp_server::{Connection, Message, Notification, Request, Response};
use serde_json::{Value, json};
use std::io::{self, BufRead, Read, Write};

/// The largest message body read (larger ones are skipped with an error): 64 MiB.
const MAX_BODY: usize = 64 << 20;
/// The longest header line read.
const MAX_HEADER_LINE: usize = 8 << 10;

/// What a malformed message gets back.
struct Reject {
    id: Value,
    code: i32,
    message: String,
}

/// Writes one framed message; the lock on stdout keeps a message whole when two threads write.
fn write_frame(text: &str) -> io::Result<()> {
    let stdout = io::stdout();
    let mut out = stdout.lock();
    write!(out, "Content-Length: {}\r\n\r\n", text.len())?;
    out.write_all(text.as_bytes())?;
    out.flush()
}

/// The threads of a stdio connection.
pub struct Threads {
    writer: std::thread::JoinHandle<()>,
}

impl Threads {
    /// Waits until every message sent has been written (the connection's senders dropped).
    pub fn join(self) {
        let _ = self.writer.join();
    }
}

/// A connection over stdin and stdout.
pub fn stdio() -> (Connection, Threads) {
    let (to_client, outgoing) = crossbeam_channel::unbounded::<Message>();
    let (incoming, from_client) = crossbeam_channel::unbounded::<Message>();
    let writer = std::thread::spawn(move || {
        for message in outgoing {
            let Ok(text) = serde_json::to_string(&Framed(&message)) else {
                continue;
            };
            if write_frame(&text).is_err() {
                return; // the client went away
            }
        }
    });
    std::thread::spawn(move || {
        let stdin = io::stdin();
        let mut input = stdin.lock();
        loop {
            match read_message(&mut input, MAX_BODY) {
                Ok(None) => return,
                Ok(Some(Ok(message))) => {
                    let exit = matches!(&message, Message::Notification(n) if n.method == "exit");
                    if incoming.send(message).is_err() || exit {
                        return;
                    }
                }
                Ok(Some(Err(reject))) => {
                    let text = json!({
                        "jsonrpc": "2.0",
                        "id": reject.id,
                        "error": {"code": reject.code, "message": reject.message},
                    })
                    .to_string();
                    if write_frame(&text).is_err() {
                        return;
                    }
                }
                Err(_) => return, // stdin closed or unreadable
            }
        }
    });
    (
        Connection {
            sender: to_client,
            receiver: from_client,
        },
        Threads { writer },
    )
}

/// A message with `"jsonrpc": "2.0"`.
struct Framed<'a>(&'a Message);

impl serde::Serialize for Framed<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut value = serde_json::to_value(self.0).map_err(serde::ser::Error::custom)?;
        if let Value::Object(map) = &mut value {
            map.insert("jsonrpc".into(), Value::from("2.0"));
        }
        value.serialize(s)
    }
}

/// Reads one framed message. `Ok(None)` at the end of the input; `Ok(Some(Err(..)))` for a
/// message that cannot be understood (the stream stays usable).
fn read_message(
    input: &mut impl BufRead,
    max_body: usize,
) -> io::Result<Option<Result<Message, Reject>>> {
    let mut length: Option<Result<usize, String>> = None;
    let mut saw_header = false;
    loop {
        let mut line = Vec::new();
        let n = input
            .by_ref()
            .take(MAX_HEADER_LINE as u64)
            .read_until(b'\n', &mut line)?;
        if n == 0 {
            return Ok(None);
        }
        let line = String::from_utf8_lossy(&line);
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            if saw_header {
                break;
            }
            continue; // blank lines between messages
        }
        saw_header = true;
        if let Some((name, value)) = line.split_once(':')
            && name.trim().eq_ignore_ascii_case("content-length")
        {
            length = Some(
                value
                    .trim()
                    .parse::<usize>()
                    .map_err(|_| format!("bad Content-Length: {:?}", value.trim())),
            );
        }
    }
    let length = match length {
        None => return Ok(Some(Err(reject(Value::Null, -32700, "no Content-Length")))),
        Some(Err(message)) => return Ok(Some(Err(reject(Value::Null, -32700, &message)))),
        Some(Ok(n)) if n > max_body => {
            io::copy(&mut input.by_ref().take(n as u64), &mut io::sink())?;
            return Ok(Some(Err(reject(
                Value::Null,
                -32600,
                &format!("a message of {n} bytes is over the limit of {max_body}"),
            ))));
        }
        Some(Ok(n)) => n,
    };
    let mut body = vec![0; length];
    input.read_exact(&mut body)?;
    Ok(Some(decode(&body)))
}

fn reject(id: Value, code: i32, message: &str) -> Reject {
    Reject {
        id,
        code,
        message: message.to_string(),
    }
}

/// A body as a request, a response or a notification.
fn decode(body: &[u8]) -> Result<Message, Reject> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| reject(Value::Null, -32700, &format!("not JSON: {e}")))?;
    let Value::Object(map) = &value else {
        return Err(reject(
            Value::Null,
            -32600,
            "a message must be a JSON object",
        ));
    };
    let id = match map.get("id") {
        Some(id @ (Value::Number(_) | Value::String(_))) => Some(id.clone()),
        None => None,
        Some(_) => {
            return Err(reject(
                Value::Null,
                -32600,
                "an id must be a number or a string",
            ));
        }
    };
    let invalid = |what: &str| reject(id.clone().unwrap_or(Value::Null), -32600, what);
    match (map.get("method"), &id) {
        (Some(Value::String(_)), Some(_)) => serde_json::from_value::<Request>(value.clone())
            .map(Message::Request)
            .map_err(|e| invalid(&format!("not a request: {e}"))),
        (Some(Value::String(_)), None) => serde_json::from_value::<Notification>(value.clone())
            .map(Message::Notification)
            .map_err(|e| invalid(&format!("not a notification: {e}"))),
        (Some(_), _) => Err(invalid("a method must be a string")),
        (None, Some(_)) if map.contains_key("result") || map.contains_key("error") => {
            serde_json::from_value::<Response>(value.clone())
                .map(Message::Response)
                .map_err(|e| invalid(&format!("not a response: {e}")))
        }
        (None, _) => Err(invalid("a request needs a method")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(bytes: &[u8]) -> Vec<Result<String, (Value, i32)>> {
        let mut input = io::Cursor::new(bytes.to_vec());
        let mut out = Vec::new();
        while let Ok(Some(m)) = read_message(&mut input, 1000) {
            out.push(match m {
                Ok(Message::Request(r)) => Ok(format!("request {}", r.method)),
                Ok(Message::Notification(n)) => Ok(format!("notification {}", n.method)),
                Ok(Message::Response(r)) => Ok(format!("response {:?}", r.id)),
                Err(r) => Err((r.id, r.code)),
            });
        }
        out
    }

    fn frame(body: &str) -> String {
        format!("Content-Length: {}\r\n\r\n{body}", body.len())
    }

    #[test]
    fn malformed_messages_get_errors_and_the_stream_goes_on() {
        let mut input = String::new();
        input.push_str(&frame("{not json"));
        input.push_str(&frame("[1, 2]"));
        input.push_str(&frame(r#"{"id": 7, "params": {}}"#));
        input.push_str(&frame(r#"{"id": 8, "method": 3}"#));
        input.push_str(&frame(r#"{"id": [1], "method": "x"}"#));
        input.push_str("Content-Length: many\r\n\r\n");
        input.push_str("X-Other: 1\r\n\r\n");
        input.push_str(&frame(r#"{"id": 9, "method": "shutdown"}"#));
        input.push_str(&frame(r#"{"method": "exit"}"#));
        assert_eq!(
            read(input.as_bytes()),
            vec![
                Err((Value::Null, -32700)),
                Err((Value::Null, -32600)),
                Err((json!(7), -32600)),
                Err((json!(8), -32600)),
                Err((Value::Null, -32600)),
                Err((Value::Null, -32700)),
                Err((Value::Null, -32700)),
                Ok("request shutdown".into()),
                Ok("notification exit".into()),
            ]
        );
    }

    #[test]
    fn an_oversized_body_is_skipped() {
        let mut input = "Content-Length: 1001\r\n\r\n".to_string().into_bytes();
        input.extend(std::iter::repeat_n(b' ', 1001));
        input.extend(frame(r#"{"method": "exit"}"#).bytes());
        assert_eq!(
            read(&input),
            vec![Err((Value::Null, -32600)), Ok("notification exit".into())]
        );
    }
}
