//! `POST /settings/abm/{id}/token`: step 4, uploading the server token (`.p7m`) from ABM.
//!
//! The form is multipart (a file), so [`CsrfForm`](crate::console::CsrfForm) cannot read it; the
//! CSRF field is checked here instead. The body is read by hand: this route's body limit is
//! [`BODY_LIMIT`], and the rest of a larger body is drained (up to a bound) before answering, so an
//! oversized upload gets the entry page with a clear message instead of a 413 text or a connection
//! the browser sees reset (axum's `DefaultBodyLimit` stops reading and leaves both).

use std::{future::poll_fn, pin::Pin};

use axum::{
    body::{Body, Bytes, HttpBody},
    extract::{FromRequest, Multipart, Path, State},
    http::{header, HeaderMap, Request, StatusCode},
    response::Response,
};
use cultivar_core::abm::MAX_TOKEN_BYTES;
use uuid::Uuid;

use super::{
    entry::{done, refused, Failure},
    parse_id,
    view::PageError,
};
use crate::{
    console::{constant_time_eq, csrf::csrf_failure, ConsoleError, ConsoleSession},
    error::ApiError,
    AppState,
};

/// Largest request body kept: a token at core's limit plus the multipart envelope, so files a
/// little over the limit still reach core and get its message.
const BODY_LIMIT: usize = MAX_TOKEN_BYTES + 16 * 1024;

/// Beyond this the rest of an oversized body is not even drained; the connection is dropped.
const DRAIN_LIMIT: usize = 8 * 1024 * 1024;

/// What the multipart form carried.
#[derive(Default)]
struct UploadForm {
    csrf_token: String,
    force: bool,
    token: Vec<u8>,
}

pub(super) async fn submit(
    session: ConsoleSession,
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ConsoleError> {
    let id = parse_id(&id)?;
    let Some(bytes) = read_capped(body).await? else {
        // Nothing was changed, so no CSRF check is needed to say so.
        return too_large(&state, &session, id).await;
    };
    let form = parse(&headers, bytes).await?;
    if !constant_time_eq(
        form.csrf_token.as_bytes(),
        session.session.csrf_token.as_bytes(),
    ) {
        return Err(csrf_failure());
    }
    match state
        .abm
        .upload_token(id, &form.token, form.force, &session.actor())
        .await
    {
        Ok(_) => Ok(done(id, "uploaded")),
        Err(err) => {
            let failure = Failure::Upload(PageError::shown_inline(err)?);
            refused(&state, &session, id, failure).await
        }
    }
}

async fn too_large(
    state: &AppState,
    session: &ConsoleSession,
    id: Uuid,
) -> Result<Response, ConsoleError> {
    let failure = Failure::Upload(PageError {
        status: StatusCode::PAYLOAD_TOO_LARGE,
        message: format!(
            "token: the file is larger than {} KiB; an ABM server token is about 2 KiB \
             (upload the .p7m file downloaded from Apple Business Manager)",
            MAX_TOKEN_BYTES / 1024
        ),
    });
    refused(state, session, id, failure).await
}

/// The whole body if it fits in [`BODY_LIMIT`]; `None` (after draining) if it does not.
async fn read_capped(mut body: Body) -> Result<Option<Bytes>, ConsoleError> {
    let mut kept = Vec::new();
    let mut seen = 0usize;
    while let Some(frame) = poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await {
        let frame =
            frame.map_err(|e| bad_request(format!("upload: reading the body failed: {e}")))?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        seen = seen.saturating_add(data.len());
        if seen > DRAIN_LIMIT {
            return Ok(None);
        }
        if seen <= BODY_LIMIT {
            kept.extend_from_slice(&data);
        }
    }
    Ok((seen <= BODY_LIMIT).then(|| Bytes::from(kept)))
}

/// Reads the form's fields; unknown fields are ignored, like browsers' extra fields.
async fn parse(headers: &HeaderMap, bytes: Bytes) -> Result<UploadForm, ConsoleError> {
    let mut request = Request::new(Body::from(bytes));
    if let Some(content_type) = headers.get(header::CONTENT_TYPE) {
        request
            .headers_mut()
            .insert(header::CONTENT_TYPE, content_type.clone());
    }
    let mut multipart = Multipart::from_request(request, &())
        .await
        .map_err(|e| bad_request(format!("upload: {}", e.body_text())))?;
    let mut form = UploadForm::default();
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| bad_request(format!("upload: {}", e.body_text())))?
    {
        let name = field.name().unwrap_or_default().to_owned();
        let value = field
            .bytes()
            .await
            .map_err(|e| bad_request(format!("upload: field {name}: {}", e.body_text())))?;
        match name.as_str() {
            "csrf_token" => form.csrf_token = String::from_utf8_lossy(&value).into_owned(),
            "force" => form.force = !value.is_empty(),
            "token" => form.token = value.to_vec(),
            _ => {}
        }
    }
    Ok(form)
}

fn bad_request(message: String) -> ConsoleError {
    ConsoleError::Api(ApiError::BadRequest { message })
}
