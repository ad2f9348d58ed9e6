using System.Reflection;
using RawFrames.Client;

namespace RawFrames.Tests.Client;

/// <summary>
/// An application writes <c>using RawFrames.Client;</c> and reaches every type the library's public API hands it or
/// asks of it (codecs, pixel formats, policies, loans, exceptions, tensor shapes), wherever the type is defined.
/// </summary>
public sealed class ClientNamespaceTests
{
    [Fact]
    public void EveryRawFramesTypeInClientsPublicApi_IsReachableFromRawFramesClient()
    {
        Type[] api = [.. typeof(FrameSender).Assembly.GetExportedTypes().Where(type => type.Namespace == "RawFrames.Client")];

        // What the API names, what those types name in turn (a TensorSpec's TensorLayout), and what it throws.
        var reached = new HashSet<Type>(api);
        var next = new Queue<Type>(api.Concat([typeof(ProtocolException), typeof(FrameTooLargeException), typeof(ConnectFailedException)]));
        while (next.TryDequeue(out Type? type))
        {
            foreach (Type named in SignatureTypes(type).SelectMany(Unwrap).Where(IsRawFrames))
            {
                if (reached.Add(named))
                {
                    next.Enqueue(named);
                }
            }
        }

        string[] elsewhere = [.. reached.Where(type => type.Namespace != "RawFrames.Client").Select(type => type.FullName!).Order()];

        api.Should().Contain([typeof(FrameSender), typeof(FrameReceiver), typeof(ReceivedFrame)]);
        elsewhere.Should().BeEmpty("an application that uses the library's API needs no namespace but RawFrames.Client");
    }

    private static bool IsRawFrames(Type type) => type.Assembly.GetName().Name!.StartsWith("RawFrames.", StringComparison.Ordinal);

    private static IEnumerable<Type> SignatureTypes(Type type)
    {
        const BindingFlags Public = BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        foreach (MemberInfo member in type.GetMembers(Public))
        {
            switch (member)
            {
                case FieldInfo field:
                    yield return field.FieldType;
                    break;
                case PropertyInfo property:
                    yield return property.PropertyType;
                    break;
                case EventInfo @event:
                    yield return @event.EventHandlerType!;
                    break;
                case MethodBase method:
                    foreach (ParameterInfo parameter in method.GetParameters())
                    {
                        yield return parameter.ParameterType;
                    }

                    if (method is MethodInfo { ReturnType: var returned })
                    {
                        yield return returned;
                    }

                    break;
            }
        }

        if (type.BaseType is { } baseType)
        {
            yield return baseType;
        }

        foreach (Type implemented in type.GetInterfaces())
        {
            yield return implemented;
        }
    }

    // Task<Codec[]> names Codec; T& and T* name T.
    private static IEnumerable<Type> Unwrap(Type type)
    {
        if (type.HasElementType)
        {
            return Unwrap(type.GetElementType()!);
        }

        return type.IsGenericType && !type.IsGenericTypeDefinition
            ? [type.GetGenericTypeDefinition(), .. type.GetGenericArguments().SelectMany(Unwrap)]
            : type.IsGenericParameter ? [] : [type];
    }
}
