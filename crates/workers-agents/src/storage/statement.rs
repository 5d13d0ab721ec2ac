//! What a statement's text says about it before it runs.

/// Whether `sql` may write: anything but one `SELECT`, `VALUES` or `EXPLAIN`
/// statement. Comments, string literals and quoted names are skipped; a
/// second statement after a `;` counts as a write, and so does `WITH`
/// (which may lead to `INSERT … RETURNING`). Errs towards "may write".
pub(crate) fn may_write(sql: &str) -> bool {
    let tokens = Tokens { rest: sql };
    let mut first_word = None;
    let mut statements_ended = false;
    for token in tokens {
        match token {
            Token::Semicolon => statements_ended = true,
            // Something after a statement's `;`: a second statement.
            _ if statements_ended => return true,
            Token::Word(word) if first_word.is_none() => first_word = Some(word),
            _ if first_word.is_none() => return true,
            _ => {}
        }
    }
    !first_word.is_some_and(|word| ["select", "values", "explain"].iter().any(|read| word.eq_ignore_ascii_case(read)))
}

enum Token<'a> {
    Word(&'a str),
    Semicolon,
    Other,
}

/// SQL tokens, enough to find statements and their first keyword.
struct Tokens<'a> {
    rest: &'a str,
}

impl<'a> Iterator for Tokens<'a> {
    type Item = Token<'a>;

    fn next(&mut self) -> Option<Token<'a>> {
        loop {
            let text = self.rest.trim_start();
            if let Some(comment) = text.strip_prefix("--") {
                self.rest = comment.find('\n').map_or("", |end| &comment[end..]);
            } else if let Some(comment) = text.strip_prefix("/*") {
                self.rest = comment.find("*/").map_or("", |end| &comment[end + 2..]);
            } else {
                self.rest = text;
                break;
            }
        }
        let mut chars = self.rest.char_indices();
        let (_, first) = chars.next()?;
        let close = match first {
            '\'' => Some('\''),
            '"' => Some('"'),
            '`' => Some('`'),
            '[' => Some(']'),
            _ => None,
        };
        let end = if let Some(close) = close {
            // A doubled quote inside stays inside; an unclosed one runs to the end.
            let body = &self.rest[1..];
            let mut end = self.rest.len();
            let mut i = 0;
            while let Some(at) = body[i..].find(close) {
                let at = i + at;
                if close != ']' && body[at + 1..].starts_with(close) {
                    i = at + 2;
                    continue;
                }
                end = at + 2;
                break;
            }
            end
        } else if first.is_ascii_alphanumeric() || first == '_' {
            chars.find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '_')).map_or(self.rest.len(), |(at, _)| at)
        } else {
            first.len_utf8()
        };
        let (token, rest) = self.rest.split_at(end);
        self.rest = rest;
        Some(match token {
            ";" => Token::Semicolon,
            _ if close.is_none() && (first.is_ascii_alphabetic() || first == '_') => Token::Word(token),
            _ => Token::Other,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::may_write;

    #[test]
    fn reads_are_one_select_values_or_explain() {
        for sql in [
            "SELECT * FROM todos",
            "  select 1;",
            "-- the open ones\nSELECT id FROM todos WHERE done = 0;  -- trailing\n",
            "/* c */ VALUES (1), (2)",
            "EXPLAIN QUERY PLAN SELECT 1",
            "SELECT 'a;b' AS \"x;y\" ; ",
            "SELECT 'it''s; DELETE FROM t'",
        ] {
            assert!(!may_write(sql), "{sql}");
        }
    }

    #[test]
    fn anything_else_may_write() {
        for sql in [
            "INSERT INTO todos (title) VALUES (?) RETURNING id",
            "UPDATE todos SET done = 1 RETURNING *",
            "DELETE FROM todos RETURNING id",
            "WITH t AS (SELECT 1) INSERT INTO x SELECT * FROM t RETURNING *",
            "SELECT 1; DELETE FROM todos",
            "SELECT 1; -- c\n INSERT INTO t VALUES (1)",
            "REPLACE INTO t VALUES (1) RETURNING *",
            "PRAGMA user_version = 2",
            "",
            "(SELECT 1)",
        ] {
            assert!(may_write(sql), "{sql}");
        }
    }
}
