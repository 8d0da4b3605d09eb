//! Just enough EDN to read one map per line, such as
//! `{:process 3, :type :invoke, :f :get, :key "1", :value nil}`.

/// An EDN scalar.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// `nil`.
    Nil,
    /// An integer.
    Int(i64),
    /// A keyword, without its colon: `:ok` is `Keyword("ok")`.
    Keyword(String),
    /// A string, unescaped.
    Str(String),
}

impl Value {
    /// The value as EDN shows it, for error messages.
    pub fn shown(&self) -> String {
        match self {
            Value::Nil => "nil".to_string(),
            Value::Int(n) => n.to_string(),
            Value::Keyword(k) => format!(":{k}"),
            Value::Str(s) => format!("{s:?}"),
        }
    }
}

/// Reads a line holding one map from keywords to scalars. The error says which column is wrong.
pub fn parse_map(line: &str) -> Result<Vec<(String, Value)>, String> {
    let mut reader = Reader { chars: line.char_indices().peekable(), line };
    reader.skip_blank();
    reader.expect('{')?;
    let mut entries: Vec<(String, Value)> = Vec::new();
    loop {
        reader.skip_blank();
        if reader.eat('}') {
            break;
        }
        let column = reader.column();
        let key = match reader.value()? {
            Value::Keyword(key) => key,
            other => {
                return Err(format!(
                    "column {column}: expected a keyword such as :type, found {}",
                    other.shown()
                ))
            }
        };
        if entries.iter().any(|(seen, _)| *seen == key) {
            return Err(format!("column {column}: the key :{key} appears twice"));
        }
        reader.skip_blank();
        if reader.chars.peek().is_none_or(|&(_, c)| c == '}') {
            return Err(format!("column {}: the key :{key} has no value", reader.column()));
        }
        let value = reader.value()?;
        entries.push((key, value));
    }
    reader.skip_blank();
    if reader.chars.peek().is_some() {
        return Err(format!("column {}: unexpected text after the closing }}", reader.column()));
    }
    Ok(entries)
}

struct Reader<'a> {
    chars: std::iter::Peekable<std::str::CharIndices<'a>>,
    line: &'a str,
}

impl Reader<'_> {
    /// The 1-based column of the next character.
    fn column(&mut self) -> usize {
        let offset = self.chars.peek().map_or(self.line.len(), |&(i, _)| i);
        self.line[..offset].chars().count() + 1
    }

    fn skip_blank(&mut self) {
        while self.chars.next_if(|&(_, c)| c.is_whitespace() || c == ',').is_some() {}
    }

    fn eat(&mut self, wanted: char) -> bool {
        self.chars.next_if(|&(_, c)| c == wanted).is_some()
    }

    fn expect(&mut self, wanted: char) -> Result<(), String> {
        let column = self.column();
        match self.chars.next() {
            Some((_, c)) if c == wanted => Ok(()),
            Some((_, c)) => Err(format!("column {column}: expected '{wanted}', found '{c}'")),
            None => Err(format!("column {column}: expected '{wanted}', found the end of the line")),
        }
    }

    fn word(&mut self) -> String {
        let mut word = String::new();
        while let Some((_, c)) =
            self.chars.next_if(|&(_, c)| !c.is_whitespace() && !matches!(c, ',' | '{' | '}' | '"'))
        {
            word.push(c);
        }
        word
    }

    fn value(&mut self) -> Result<Value, String> {
        let column = self.column();
        match self.chars.peek().map(|&(_, c)| c) {
            None => Err(format!("column {column}: expected a value, found the end of the line")),
            Some('"') => {
                self.chars.next();
                self.string(column)
            }
            Some(':') => {
                self.chars.next();
                let name = self.word();
                if name.is_empty() {
                    return Err(format!("column {column}: a ':' with no keyword after it"));
                }
                Ok(Value::Keyword(name))
            }
            Some(_) => {
                let word = self.word();
                if word == "nil" {
                    Ok(Value::Nil)
                } else if let Ok(n) = word.parse::<i64>() {
                    Ok(Value::Int(n))
                } else if word.is_empty() {
                    let c = self.chars.peek().map_or(' ', |&(_, c)| c);
                    Err(format!("column {column}: expected a value, found '{c}'"))
                } else {
                    Err(format!(
                        "column {column}: expected nil, an integer, a keyword or a string, found {word:?}"
                    ))
                }
            }
        }
    }

    fn string(&mut self, column: usize) -> Result<Value, String> {
        let mut text = String::new();
        loop {
            match self.chars.next() {
                None => {
                    return Err(format!(
                        "column {column}: the string is not closed before the end of the line"
                    ))
                }
                Some((_, '"')) => return Ok(Value::Str(text)),
                Some((_, '\\')) => match self.chars.next() {
                    Some((_, 'n')) => text.push('\n'),
                    Some((_, 't')) => text.push('\t'),
                    Some((_, 'r')) => text.push('\r'),
                    Some((_, c @ ('"' | '\\'))) => text.push(c),
                    Some((_, c)) => {
                        return Err(format!("column {column}: the string has an unknown escape \\{c}"))
                    }
                    None => {
                        return Err(format!(
                            "column {column}: the string is not closed before the end of the line"
                        ))
                    }
                },
                Some((_, c)) => text.push(c),
            }
        }
    }
}
