//! `sqlx::migrate!` embeds the migration files at compile time; without this, adding a new
//! migration file would not trigger a rebuild (this is what `sqlx migrate build-script` generates).
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
