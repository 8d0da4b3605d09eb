//! `#[graded]`: the attribute every graded scenario carries instead of `#[test]`.
//!
//! ```ignore
//! #[graded]
//! fn first_primary() { /* the scenario */ }
//! ```
//!
//! expands to
//!
//! ```ignore
//! #[test]
//! fn first_primary() { ::labtests::verdict::seal(|| { /* the scenario */ }) }
//! ```
//!
//! so the test still runs under `cargo test` like any other, and when the grader runs it, the
//! harness (not the code under test) reports that the scenario returned. See
//! `labtests::verdict` for the channel and why the code under test cannot forge it.
//!
//! `#[graded(search)]` marks a search test (simulation mode only), whose body runs many
//! simulated executions of its own: it calls `::labtests::verdict::seal_search` instead, which
//! does not wrap the body in one simulated run.

use proc_macro::{Delimiter, Group, Ident, Punct, Spacing, Span, TokenStream, TokenTree};

/// Marks a graded test: a `#[test]` whose pass is reported through `labtests::verdict::seal`
/// (`seal_search` for `#[graded(search)]`). The function takes no arguments and returns nothing.
#[proc_macro_attribute]
pub fn graded(attr: TokenStream, item: TokenStream) -> TokenStream {
    let seal = match attr.to_string().trim() {
        "" => "seal",
        "search" => "seal_search",
        _ => return error("#[graded] takes no arguments, or `search` for a search test: #[graded(search)]"),
    };
    let mut tokens: Vec<TokenTree> = item.into_iter().collect();
    let body = match tokens.pop() {
        Some(TokenTree::Group(body)) if body.delimiter() == Delimiter::Brace => body,
        _ => return error("#[graded] goes on a test function: `fn name() { ... }`"),
    };
    let is_fn = tokens.iter().any(|t| matches!(t, TokenTree::Ident(i) if i.to_string() == "fn"));
    let returns = tokens.windows(2).any(|pair| match pair {
        [TokenTree::Punct(a), TokenTree::Punct(b)] => a.as_char() == '-' && b.as_char() == '>',
        _ => false,
    });
    let is_async = tokens.iter().any(|t| matches!(t, TokenTree::Ident(i) if i.to_string() == "async"));
    if !is_fn || returns || is_async {
        return error("#[graded] goes on a test function that returns nothing: `fn name() { ... }`");
    }

    // #[test]
    let mut out: Vec<TokenTree> = vec![
        Punct::new('#', Spacing::Alone).into(),
        Group::new(Delimiter::Bracket, TokenStream::from(TokenTree::from(ident("test")))).into(),
    ];
    out.extend(tokens);
    // { ::labtests::verdict::seal(|| <body>) }
    let mut call: Vec<TokenTree> = Vec::new();
    for segment in ["labtests", "verdict", seal] {
        call.push(Punct::new(':', Spacing::Joint).into());
        call.push(Punct::new(':', Spacing::Alone).into());
        call.push(ident(segment).into());
    }
    let closure: Vec<TokenTree> =
        vec![Punct::new('|', Spacing::Joint).into(), Punct::new('|', Spacing::Alone).into(), body.into()];
    call.push(Group::new(Delimiter::Parenthesis, closure.into_iter().collect()).into());
    out.push(Group::new(Delimiter::Brace, call.into_iter().collect()).into());
    out.into_iter().collect()
}

fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

/// `compile_error!("message");`
fn error(message: &str) -> TokenStream {
    format!("compile_error!({message:?});").parse().expect("a compile_error! invocation parses")
}
