//! Step and option conditions written by staff, e.g. `child_age >= 5`,
//! `request_kind == hilang`, `delivery == pos and pickup_at_kecamatan`.
//!
//! Grammar: clauses joined by `and` / `or` (`and` binds tighter); a clause is `name`, `not name`
//! (truthy test) or `name OP value` with OP one of `== != >= <= > <`. Values are numbers or words
//! (quotes optional). An unanswered field makes a comparison false.

use std::fmt;

#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    /// Disjunction of conjunctions.
    any: Vec<Vec<Clause>>,
    source: String,
}

#[derive(Debug, Clone, PartialEq)]
enum Clause {
    Truthy { name: String, negate: bool },
    Compare { name: String, op: Op, value: String },
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Eq,
    Ne,
    Ge,
    Le,
    Gt,
    Lt,
}

/// A variable's value while evaluating.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Number(i64),
    Text(String),
    Bool(bool),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("condition `{condition}`: {reason}")]
pub struct ConditionError {
    pub condition: String,
    pub reason: String,
}

impl Condition {
    pub fn parse(source: &str) -> Result<Condition, ConditionError> {
        let fail = |reason: String| ConditionError {
            condition: source.to_string(),
            reason,
        };
        let tokens: Vec<String> = tokenize(source);
        if tokens.is_empty() {
            return Err(fail("empty condition".into()));
        }
        let mut any = vec![Vec::new()];
        let mut i = 0;
        while i < tokens.len() {
            let negate = tokens.get(i).is_some_and(|t| t == "not");
            if negate {
                i += 1;
            }
            let Some(name) = tokens.get(i).filter(|t| is_name(t)) else {
                return Err(fail(format!("expected a name at word {}", i + 1)));
            };
            i += 1;
            let op = tokens.get(i).and_then(|t| parse_op(t));
            let clause = match op {
                Some(op) if !negate => {
                    let Some(value) = tokens.get(i + 1) else {
                        return Err(fail(format!("`{name}` is compared with nothing")));
                    };
                    i += 2;
                    Clause::Compare {
                        name: name.clone(),
                        op,
                        value: value.trim_matches(['"', '\'']).to_string(),
                    }
                }
                Some(_) => return Err(fail("`not` cannot be used with a comparison".into())),
                None => Clause::Truthy {
                    name: name.clone(),
                    negate,
                },
            };
            if let Some(last) = any.last_mut() {
                last.push(clause);
            }
            match tokens.get(i).map(String::as_str) {
                None => break,
                Some("and") => i += 1,
                Some("or") => {
                    any.push(Vec::new());
                    i += 1;
                }
                Some(other) => {
                    return Err(fail(format!("expected `and` or `or`, found `{other}`")));
                }
            }
            if i >= tokens.len() {
                return Err(fail("the condition ends with `and`/`or`".into()));
            }
        }
        Ok(Condition {
            any,
            source: source.to_string(),
        })
    }

    /// Every variable the condition reads, for load-time checks.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.any.iter().flatten().map(|c| match c {
            Clause::Truthy { name, .. } | Clause::Compare { name, .. } => name.as_str(),
        })
    }

    pub fn eval(&self, lookup: &dyn Fn(&str) -> Option<Value>) -> bool {
        self.any
            .iter()
            .any(|all| all.iter().all(|clause| eval_clause(clause, lookup)))
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

fn eval_clause(clause: &Clause, lookup: &dyn Fn(&str) -> Option<Value>) -> bool {
    match clause {
        Clause::Truthy { name, negate } => {
            let truthy = match lookup(name) {
                Some(Value::Bool(b)) => b,
                Some(Value::Number(n)) => n != 0,
                Some(Value::Text(t)) => !t.is_empty(),
                None => false,
            };
            truthy != *negate
        }
        Clause::Compare { name, op, value } => {
            let Some(actual) = lookup(name) else {
                return false;
            };
            let ordering = match (&actual, value.parse::<i64>()) {
                (Value::Number(n), Ok(v)) => n.cmp(&v),
                (Value::Text(t), _) => t.as_str().cmp(value.as_str()),
                (Value::Bool(b), _) => b.to_string().as_str().cmp(value.as_str()),
                (Value::Number(n), Err(_)) => n.to_string().as_str().cmp(value.as_str()),
            };
            use std::cmp::Ordering::*;
            match op {
                Op::Eq => ordering == Equal,
                Op::Ne => ordering != Equal,
                Op::Ge => ordering != Less,
                Op::Le => ordering != Greater,
                Op::Gt => ordering == Greater,
                Op::Lt => ordering == Less,
            }
        }
    }
}

fn tokenize(source: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut current = String::new();
    let mut chars = source.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_whitespace() {
            if !current.is_empty() {
                tokens.push(std::mem::take(&mut current));
            }
        } else if matches!(c, '=' | '!' | '<' | '>') {
            if !current.is_empty() {
                tokens.push(std::mem::take(&mut current));
            }
            let mut op = c.to_string();
            if chars.peek() == Some(&'=') {
                op.push('=');
                chars.next();
            }
            tokens.push(op);
        } else {
            current.push(c);
        }
    }
    if !current.is_empty() {
        tokens.push(current);
    }
    tokens
}

fn parse_op(token: &str) -> Option<Op> {
    Some(match token {
        "==" | "=" => Op::Eq,
        "!=" => Op::Ne,
        ">=" => Op::Ge,
        "<=" => Op::Le,
        ">" => Op::Gt,
        "<" => Op::Lt,
        _ => return None,
    })
}

fn is_name(token: &str) -> bool {
    !matches!(token, "and" | "or" | "not")
        && token
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic())
        && token.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(name: &str) -> Option<Value> {
        match name {
            "child_age" => Some(Value::Number(6)),
            "request_kind" => Some(Value::Text("hilang".into())),
            "pickup_at_kecamatan" => Some(Value::Bool(false)),
            _ => None,
        }
    }

    #[test]
    fn comparisons_and_truthy_tests_evaluate_against_the_answers() {
        let holds = |s: &str| Condition::parse(s).unwrap().eval(&vars);
        assert!(holds("child_age >= 5"));
        assert!(!holds("child_age < 5"));
        assert!(holds("request_kind == hilang"));
        assert!(holds("request_kind == 'hilang'"));
        assert!(!holds("request_kind != hilang"));
        assert!(!holds("pickup_at_kecamatan"));
        assert!(holds("not pickup_at_kecamatan"));
        assert!(holds("request_kind == rusak or child_age>=5"));
        assert!(!holds(
            "request_kind == rusak or child_age >= 5 and pickup_at_kecamatan"
        ));
        assert!(
            !holds("delivery == pos"),
            "an unanswered field compares false"
        );
    }

    #[test]
    fn malformed_conditions_are_refused_with_a_reason() {
        for bad in [
            "",
            "child_age >=",
            "child_age >= 5 and",
            "5 >= child_age",
            "a b",
            "not a == b",
        ] {
            assert!(Condition::parse(bad).is_err(), "{bad}");
        }
        let names: Vec<_> = Condition::parse("a == 1 or b")
            .unwrap()
            .names()
            .map(String::from)
            .collect();
        assert_eq!(names, ["a", "b"]);
    }
}
