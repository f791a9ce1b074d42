export function FieldError({ id, errors }: { id?: string; errors?: string[] | undefined }) {
  if (!errors || errors.length === 0) return null;
  return (
    <p id={id} role="alert" className="text-sm text-red-700 dark:text-red-300">
      {errors.join(" ")}
    </p>
  );
}
