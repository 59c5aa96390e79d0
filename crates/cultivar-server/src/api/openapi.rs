//! `GET /api/v1/openapi.json`: the OpenAPI document, assembled from each area's `Doc`.

use axum::Json;
use utoipa::{
    openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
    OpenApi,
};

use super::{Access, ApiMethod, ApiRoutes};

pub fn routes() -> ApiRoutes {
    ApiRoutes::new().route(
        ApiMethod::Get,
        "/api/v1/openapi.json",
        Access::Public,
        serve,
    )
}

#[derive(OpenApi)]
#[openapi(info(
    title = "cultivar admin API",
    description = "Apple device management: admin API. Authenticate with `Authorization: Bearer cvk_…`."
))]
struct Base;

/// The whole document; add a new area's `Doc` here.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = Base::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
    doc.merge(super::whoami::Doc::openapi());
    doc.merge(super::api_keys::Doc::openapi());
    doc.merge(super::audit::Doc::openapi());
    doc.merge(super::abm::Doc::openapi());
    doc.merge(super::abm_sync::Doc::openapi());
    doc.merge(super::abm_devices::Doc::openapi());
    doc.merge(super::ade::Doc::openapi());
    doc.merge(super::groups::Doc::openapi());
    doc.merge(super::devices::Doc::openapi());
    doc.merge(super::commands::Doc::openapi());
    doc.merge(super::enroll::Doc::openapi());
    doc.merge(super::push_cert::Doc::openapi());
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "bearer",
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("cvk_…")
                .build(),
        ),
    );
    doc
}

async fn serve() -> Json<utoipa::openapi::OpenApi> {
    Json(document())
}
