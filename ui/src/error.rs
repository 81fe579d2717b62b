//! `ApiError`: every failure of a request, answered in Storm's shape
//! `{"error": "<status> <reason>", "errorMessage": "..."}` (`UIHelpers.exceptionToJson`).
//! Nimbus's refusals (an unknown topology included) and unreachable Nimbus are HTTP 500 as in
//! Storm; malformed input is 400, an unknown path 404 and a wrong method 405, in the same shape.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use storm_client::ClientError;

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Nimbus refused the request or could not be reached.
    #[error(transparent)]
    Nimbus(#[from] ClientError),
    /// No topology has this id.
    #[error("topology {id} is not running on the cluster")]
    UnknownTopology {
        /// The id asked for.
        id: String,
    },
    /// The topology has no component of this id.
    #[error("topology {topology} has no component {component:?}")]
    UnknownComponent {
        /// The topology id.
        topology: String,
        /// The component asked for.
        component: String,
    },
    /// Nimbus's answer could not be read (a topology or config that is not valid JSON).
    #[error("reading Nimbus's answer: {reason}")]
    BadAnswer {
        /// What is wrong.
        reason: String,
    },
    /// A parameter or body is malformed.
    #[error("bad request: {reason}")]
    BadRequest {
        /// What is wrong.
        reason: String,
    },
    /// No such path.
    #[error("no such resource: {path}")]
    NotFound {
        /// The path asked for.
        path: String,
    },
    /// The path exists with another method.
    #[error("method {method} is not allowed on {path}")]
    MethodNotAllowed {
        /// The method used.
        method: String,
        /// The path.
        path: String,
    },
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            ApiError::NotFound { .. } => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let error = format!(
            "{} {}",
            status.as_u16(),
            status.canonical_reason().unwrap_or("Error")
        );
        let message = storm_core_error_chain(self);
        HttpResponse::build(status).json(serde_json::json!({
            "error": error,
            "errorMessage": message,
        }))
    }
}

/// The error and its causes, `: `-separated.
fn storm_core_error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let more = s.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::body::MessageBody;

    fn body(e: &ApiError) -> (u16, serde_json::Value) {
        let response = e.error_response();
        let status = response.status().as_u16();
        let bytes = response.into_body().try_into_bytes().unwrap_or_default();
        (status, serde_json::from_slice(&bytes).unwrap_or_default())
    }

    #[test]
    fn an_unknown_topology_is_a_500_in_storms_shape() {
        let (status, json) = body(&ApiError::UnknownTopology {
            id: "wc-9-9".into(),
        });
        assert_eq!(status, 500);
        assert_eq!(json["error"], "500 Internal Server Error");
        assert_eq!(
            json["errorMessage"],
            "topology wc-9-9 is not running on the cluster"
        );
    }

    #[test]
    fn bad_input_is_a_400_with_the_reason() {
        let (status, json) = body(&ApiError::BadRequest {
            reason: "unknown window \"x\"".into(),
        });
        assert_eq!(status, 400);
        assert_eq!(json["error"], "400 Bad Request");
        assert!(json["errorMessage"]
            .as_str()
            .is_some_and(|m| m.contains("window")));
    }
}
