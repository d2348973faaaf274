// What is wrong with a JSON text, without the excerpt of it that V8 puts in its messages
// (`Unexpected token 'I', ..."ue,"idfa":IDFA-MARKE"... is not valid JSON`): input lines can hold
// personal data (R12), and problems are printed and stored.

export const jsonSyntaxProblem = (e: unknown): string => {
  const message = (e instanceof Error ? e.message : String(e)).replace(/\s+/g, ' ');
  return message.split(/,? (?:\.\.\.)?"/)[0]?.trim() || 'not valid JSON';
};
