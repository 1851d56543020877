// Grammar of qcc's textual IR (.qir).
grammar QirSyntax;

module : graph EOF ;

graph : 'graph' STRING opsets? '{' statement* '}' ;

opsets : 'opsets' '(' (opset (',' opset)*)? ')' ;
opset : STRING '=' INT ;

statement : inputDecl | constDecl | nodeDecl | outputDecl ;

inputDecl : 'input' valueDecl ;
constDecl : 'const' valueDecl '=' tensorLiteral ;
outputDecl : 'output' VALUE (',' VALUE)* ;

nodeDecl : (valueDecl (',' valueDecl)* '=')? opName '(' (operand (',' operand)*)? ')' attrDict? 'loc' '(' STRING ')' ;

valueDecl : VALUE ':' type ;
operand : VALUE | '_' ;
opName : ident ('.' ident)* ;

type : ident '[' (dims | '*')? ']' ;
dims : dim (',' dim)* ;
dim : INT | ident | '?' ;

attrDict : '{' (attr (',' attr)*)? '}' ;
attr : attrName '=' attrValue ;
// Dotted names are annotations passes attach (qcc.acc), see Verifier.ANNOTATION_PREFIX.
attrName : ident ('.' ident)* ;
attrValue
  : number                                  # scalarAttr
  | STRING                                  # stringAttr
  | '[' number (',' number)* ']'            # numberListAttr
  | '[' STRING (',' STRING)* ']'            # stringListAttr
  | ident '[' ']'                           # emptyListAttr
  | 'tensor' '<' type '>' tensorLiteral     # tensorAttr
  ;

tensorLiteral
  : '[' (number (',' number)*)? ']'         # listLiteral
  | 'base64' STRING                         # base64Literal
  ;

number : INT | FLOAT ;

// Keywords are also valid identifiers (dim names, op names, attribute names).
ident : IDENT | 'graph' | 'opsets' | 'input' | 'const' | 'output' | 'loc' | 'tensor' | 'base64' ;

VALUE : '%' (NAMECHAR+ | STRING) ;
FLOAT
  : '-'? DIGIT+ '.' DIGIT+ EXPONENT?
  | '-'? DIGIT+ EXPONENT
  | '-'? 'inf'
  | 'nan'
  ;
INT : '-'? DIGIT+ ;
IDENT : [A-Za-z_] [A-Za-z0-9_]* ;
STRING : '"' (~["\\\r\n] | '\\' .)* '"' ;
COMMENT : '//' ~[\r\n]* -> skip ;
WS : [ \t\r\n]+ -> skip ;

fragment DIGIT : [0-9] ;
fragment EXPONENT : [eE] [+-]? DIGIT+ ;
fragment NAMECHAR : [A-Za-z0-9_./\-] ;
