//! HTTP calls to a `storm ui` daemon in tests (`ureq`, plain HTTP on loopback): the status and
//! body of any answer, errors included, run off the async runtime's threads.

use crate::zookeeper::HarnessError;

/// An answer.
#[derive(Debug, Clone)]
pub struct HttpReply {
    /// The status code.
    pub status: u16,
    /// The content type.
    pub content_type: String,
    /// The body.
    pub body: String,
}

impl HttpReply {
    /// The body as JSON (`Null` when it is not JSON).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

/// `method url` with an optional JSON body.
pub async fn request(
    method: &str,
    url: &str,
    body: Option<String>,
) -> Result<HttpReply, HarnessError> {
    let (method, url) = (method.to_owned(), url.to_owned());
    let call = move || {
        let request = ureq::request(&method, &url).timeout(std::time::Duration::from_secs(30));
        let result = match body {
            Some(b) => request
                .set("Content-Type", "application/json")
                .send_string(&b),
            None => request.call(),
        };
        let response = match result {
            Ok(r) | Err(ureq::Error::Status(_, r)) => r,
            Err(e) => {
                return Err(HarnessError::Io {
                    what: format!("{method} {url}"),
                    source: std::io::Error::other(e.to_string()),
                })
            }
        };
        let status = response.status();
        let content_type = response.content_type().to_owned();
        let body = response.into_string().map_err(|source| HarnessError::Io {
            what: format!("reading the answer to {method} {url}"),
            source,
        })?;
        Ok(HttpReply {
            status,
            content_type,
            body,
        })
    };
    tokio::task::spawn_blocking(call)
        .await
        .map_err(|e| HarnessError::Io {
            what: "joining an HTTP call".into(),
            source: std::io::Error::other(e.to_string()),
        })?
}

/// `GET url`.
pub async fn get(url: &str) -> Result<HttpReply, HarnessError> {
    request("GET", url, None).await
}

/// `POST url` with an optional JSON body.
pub async fn post(url: &str, body: Option<String>) -> Result<HttpReply, HarnessError> {
    request("POST", url, body).await
}
