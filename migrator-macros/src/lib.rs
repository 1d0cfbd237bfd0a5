//! `embed_migrations!("dir")`: reads a migrations directory at compile time (relative to the
//! calling crate's `Cargo.toml`) and expands to a `migrator_core::EmbeddedMigrations` holding
//! every `.sql` file and `migrator.sum`. Files are included with `include_bytes!`, so editing a
//! migration rebuilds the binary.

use proc_macro::TokenStream;
use quote::quote;
use std::path::PathBuf;
use syn::LitStr;

#[proc_macro]
pub fn embed_migrations(input: TokenStream) -> TokenStream {
    let lit = match syn::parse::<LitStr>(input) {
        Ok(l) => l,
        Err(e) => return e.to_compile_error().into(),
    };
    let base = std::env::var("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_default();
    let dir = base.join(lit.value());
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) => {
            let msg = format!("embed_migrations!: cannot read {}: {e}", dir.display());
            return syn::Error::new(lit.span(), msg).to_compile_error().into();
        }
    };
    let mut files: Vec<(String, String)> = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        let Some(name) = path
            .file_name()
            .and_then(|n| n.to_str())
            .map(str::to_string)
        else {
            continue;
        };
        if path.is_file() && (name.ends_with(".sql") || name == "migrator.sum") {
            files.push((name, path.display().to_string()));
        }
    }
    files.sort();
    let items = files.iter().map(|(name, path)| {
        quote! { (#name, include_bytes!(#path) as &'static [u8]) }
    });
    let dir_str = dir.display().to_string();
    quote! {
        {
            // Rebuild when a file is added to or removed from the directory.
            const _: &str = #dir_str;
            ::migrator_core::EmbeddedMigrations { files: &[ #(#items),* ] }
        }
    }
    .into()
}
