//! `GET /api/v1/whoami`.

use cultivar_api_types::WhoAmI;
use utoipa::OpenApi;

use super::{convert::role_to_api, Access, ApiMethod, ApiRoutes, ReadAccess};
use crate::error::ApiJson;

pub fn routes() -> ApiRoutes {
    ApiRoutes::new().route(ApiMethod::Get, "/api/v1/whoami", Access::Read, whoami)
}

#[derive(OpenApi)]
#[openapi(paths(whoami))]
pub struct Doc;

/// The API key making the request.
#[utoipa::path(get, path = "/api/v1/whoami", tag = "auth",
    responses((status = 200, body = WhoAmI), (status = 401, body = cultivar_api_types::ErrorBody)),
    security(("bearer" = [])))]
async fn whoami(ReadAccess(principal): ReadAccess) -> ApiJson<WhoAmI> {
    let key = principal.key;
    ApiJson(WhoAmI {
        kind: "api_key".into(),
        id: key.id,
        name: key.name,
        role: role_to_api(key.role),
    })
}
